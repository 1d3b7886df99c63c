"""The layers hold where import-linter cannot look: model relations and migration dependencies.

`lint-imports` (pyproject.toml, run by `make test`) checks every Python import against the
layers accounts -> incidents -> communications -> dashboard. A relation named by a string
("communications.Release") and a migration's dependencies are not imports; these tests check
that they point down too.
"""

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

LAYERS = ["accounts", "incidents", "communications", "dashboard"]  # bottom to top


def above(app: str, other: str) -> bool:
    """Return whether `other` is a layer above `app` (apps outside the layers are below all)."""
    return other in LAYERS and app in LAYERS and LAYERS.index(other) > LAYERS.index(app)


def test_no_model_relates_to_a_model_of_an_app_above_it():
    upward = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        for field in [*model._meta.fields, *model._meta.many_to_many]
        if field.related_model is not None
        and above(model._meta.app_label, field.related_model._meta.app_label)
    ]
    assert upward == []


def test_no_migration_depends_on_a_migration_of_an_app_above_it():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    upward = [
        f"{app}.{name} depends on {dependency[0]}.{dependency[1]}"
        for (app, name), migration in loader.disk_migrations.items()
        for dependency in migration.dependencies
        if above(app, dependency[0])
    ]
    assert upward == []
