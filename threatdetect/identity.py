"""Which identity groups a message mentions, from a lexicon of group words.

Used where a text's groups matter but no annotation gives them: the identity-balance check of the
corpus and the bias metrics of `evaluate` (subgroup, BPSN and BNSP AUC). A mention is not hate; the
point of both uses is to see whether a model treats mentions as if they were.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

#: Words that may be glued before a group word in abuse ("kutmarokkanen", "vieze homo").
_CURSE_PREFIX = r"(?:kut|kanker|kk|tyfus|tering|vuile ?|vieze ?)?"


@lru_cache(maxsize=1)
def identity_patterns() -> dict[str, re.Pattern[str]]:
    """Group name -> compiled pattern, in the order of `resources/identity_groups.json`."""
    text = resources.files("threatdetect").joinpath("resources/identity_groups.json").read_text("utf-8")
    groups = {name: words for name, words in json.loads(text).items() if not name.startswith("_")}
    return {
        name: re.compile(r"(?<![^\W_])" + _CURSE_PREFIX + "(?:" + "|".join(words) + ")", re.IGNORECASE)
        for name, words in groups.items()
    }


def identity_groups() -> tuple[str, ...]:
    return tuple(identity_patterns())


def mentioned_groups(text: str) -> frozenset[str]:
    """The identity groups whose words occur in `text` (raw or normalised)."""
    return frozenset(name for name, pattern in identity_patterns().items() if pattern.search(text))
