"""Celery tasks of the communications app (autodiscovered by config/celery.py)."""

from .mailmerge.tasks import *  # noqa: F403
from .pdf.tasks import *  # noqa: F403
from .stakeholders.tasks import *  # noqa: F403
