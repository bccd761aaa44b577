"""warmline: empathy in contact-center conversations, measured and coached.

The library is the core; the CLI, the server and the batch jobs are thin shells on it.
"""

from warmline.errors import WarmlineError
from warmline.model import (
    SCHEMA_VERSION,
    Analysis,
    Annotation,
    Behaviour,
    Channel,
    Conversation,
    CustomerEmotion,
    Evidence,
    Role,
    TalkMetrics,
    Turn,
)

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "Analysis",
    "Annotation",
    "Behaviour",
    "Channel",
    "Conversation",
    "CustomerEmotion",
    "Evidence",
    "Role",
    "TalkMetrics",
    "Turn",
    "WarmlineError",
    "__version__",
]
