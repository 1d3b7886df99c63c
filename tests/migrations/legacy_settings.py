"""Beacon's settings with the migrations as they were at commit 696cd96, before the squash.

Used by test_migrate.py to build a database the way an install made before the layering refactor
has it, then to upgrade it with today's migrations.
"""

from config.settings import *  # noqa: F403

MIGRATION_MODULES = {
    "incidents": "tests.migrations.legacy_696cd96.incidents",
    "communications": "tests.migrations.legacy_696cd96.communications",
}
