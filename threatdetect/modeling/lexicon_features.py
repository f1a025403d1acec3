"""Moved to `threatdetect.triggers`, below every layer that uses the trigger lexicon.

Kept only because `threatdetect.corpus.augment` still imports it from here; once that import names
`threatdetect.triggers`, delete this module and the matching `ignore_imports` line in pyproject.toml.
"""

from threatdetect.triggers import LexiconHit, TriggerLexicon

__all__ = ["LexiconHit", "TriggerLexicon"]
