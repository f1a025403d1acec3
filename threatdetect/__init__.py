"""threatdetect: find threats, intimidation and hate in Dutch social-media messages.

Two lines to use it from Python::

    >>> from threatdetect import Detector
    >>> Detector.load().score("ik weet waar je woont").labels
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from threatdetect.labels import LABELS

try:
    __version__ = version("threatdetect")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from threatdetect.scoring.detector import Detector
    from threatdetect.scoring.results import Explanation, ScoreResult, Span


def __getattr__(name: str):
    """Import the scoring stack (torch, transformers) only when it is used."""
    if name == "Detector":
        from threatdetect.scoring.detector import Detector

        return Detector
    if name in ("ScoreResult", "Explanation", "Span"):
        from threatdetect.scoring import results

        return getattr(results, name)
    raise AttributeError(f"module 'threatdetect' has no attribute {name!r}")


__all__ = ["LABELS", "Detector", "Explanation", "ScoreResult", "Span", "__version__"]
