"""Incident models, one module per area; import them from `incidents.models`."""

from .core import *  # noqa: F403
from .facts import *  # noqa: F403
from .log import *  # noqa: F403
from .obligations import *  # noqa: F403
from .profile import *  # noqa: F403
from .reminders import *  # noqa: F403
from .rules import *  # noqa: F403
