"""Dutch social-media text normalisation that keeps every token anchored to the raw text.

>>> from threatdetect.normalize import Normalizer
>>> Normalizer()("Ik m@@k je d o o d 🔪 @wethouder").text
'Ik maak je dood 🔪 mes @USER'
"""

from __future__ import annotations

from threatdetect.normalize.pipeline import Normalizer
from threatdetect.normalize.result import NormalizedText, Token
from threatdetect.normalize.settings import NormalizerSettings

__all__ = ["NormalizedText", "Normalizer", "NormalizerSettings", "Token"]
