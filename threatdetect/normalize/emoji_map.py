"""Stage 2 (`map_emoji`): emoji are kept as tokens, and threat-relevant ones also get a Dutch word (`🔪` -> `mes`).

Models and lexicon features read words; the emoji itself stays so nothing is lost. The map is data
(`resources/emoji_nl.json`). Skin tones and variation selectors are ignored when looking up.
"""

from __future__ import annotations

import re

from threatdetect.normalize.encoding import EMOJI_CLASS
from threatdetect.normalize.resources import load_emoji_words

_MODIFIERS_RE = re.compile("[\ufe0f\ufe0e\U0001f3fb-\U0001f3ff]")
# A flag (two regional indicators) or an emoji with modifiers, possibly ZWJ-joined to more emoji.
EMOJI_PATTERN = (
    "[\U0001f1e6-\U0001f1ff]{2}"
    f"|[{EMOJI_CLASS}][\ufe0f\ufe0e\U0001f3fb-\U0001f3ff\u20e3]*"
    f"(?:\u200d[{EMOJI_CLASS}][\ufe0f\ufe0e\U0001f3fb-\U0001f3ff]*)*"
)


def emoji_words(emoji: str) -> tuple[str, ...]:
    """The Dutch words for an emoji (empty when it is not threat-relevant)."""
    table = load_emoji_words()
    words = table.get(emoji)
    if words is None:
        words = table.get(_MODIFIERS_RE.sub("", emoji), ())
    return words
