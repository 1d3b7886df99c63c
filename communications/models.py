"""Every communications model, re-exported: each area keeps its models in its own package.

App label `communications` and the table names are unchanged, so the migrations do not move.
Import models from here (`from communications.models import Document`) or from their package.
"""

from communications.documents.models import *  # noqa: F403
from communications.mailmerge.models import *  # noqa: F403
from communications.media.models import *  # noqa: F403
from communications.pdf.models import *  # noqa: F403
from communications.public.models import *  # noqa: F403
from communications.stakeholders.models import *  # noqa: F403
