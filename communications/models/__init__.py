"""Communications models, one module per area; import them from `communications.models`."""

from communications.documents.models import *  # noqa: F403
from communications.mailmerge.models import *  # noqa: F403
from communications.pdf.models import *  # noqa: F403

from .media import *  # noqa: F403
from .public import *  # noqa: F403
from .stakeholders import *  # noqa: F403
