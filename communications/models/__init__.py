"""Communications models, one module per area; import them from `communications.models`."""

from .documents import *  # noqa: F403
