"""pyproject.toml's dependency ranges match what the code needs and what was tested."""

import tomllib
from importlib.metadata import version

from packaging.requirements import Requirement

from tests.conftest import ROOT


def requirements() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    parsed = (Requirement(line) for line in project["dependencies"])
    return {requirement.name.lower(): requirement for requirement in parsed}


def test_weasyprint_floor_has_the_url_fetcher_api_and_the_ssrf_fix():
    weasyprint = requirements()["weasyprint"].specifier
    assert not weasyprint.contains("69.9") and weasyprint.contains("70.0")


def test_pydyf_is_held_to_a_tested_range():
    pydyf = requirements()["pydyf"].specifier
    assert any(spec.operator == "<" for spec in pydyf), "pydyf needs an upper bound"
    assert pydyf.contains(version("pydyf"))


def test_celery_excludes_the_release_whose_worker_dies_with_redis():
    assert not requirements()["celery"].specifier.contains("5.7.0")


def test_every_installed_dependency_is_inside_its_range():
    outside = {
        name: (version(name), str(requirement.specifier))
        for name, requirement in requirements().items()
        if not requirement.specifier.contains(version(name), prereleases=True)
    }
    assert not outside, outside
