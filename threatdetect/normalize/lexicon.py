"""The Dutch word list that decides whether a repair is safe.

De-obfuscation, elongation squeezing and hashtag splitting only ever produce words from this lexicon:
that is what keeps times, amounts, IDs and postcodes untouched without a growing list of exceptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from threatdetect.normalize.resources import read_resource_text

LEXICON_FILE = "lexicon_nl.txt"
_SECTION_MARK = "# section:"
# Hashtags and spaced-out letters longer than this are not split: the DP is quadratic and real hashtags
# are short.
MAX_SEGMENT_INPUT = 60
VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, eq=False)
class Lexicon:
    """A set of lowercase words, with the threat/insult/slur subset marked as `offensive`."""

    words: frozenset[str]
    offensive: frozenset[str]
    by_length: dict[int, tuple[str, ...]] = field(repr=False, compare=False)
    max_word_length: int = 0

    @classmethod
    def from_lines(cls, lines: list[str]) -> Lexicon:
        """Parse the lexicon file format: one word per line, '#' comments, '# section: offensive'."""
        words: set[str] = set()
        offensive: set[str] = set()
        section = "general"
        for line in lines:
            stripped = line.strip()
            if stripped.startswith(_SECTION_MARK):
                section = stripped[len(_SECTION_MARK) :].strip()
                continue
            if not stripped or stripped.startswith("#"):
                continue
            word = stripped.lower()
            words.add(word)
            if section == "offensive":
                offensive.add(word)
        by_length: dict[int, list[str]] = {}
        for word in sorted(words):
            by_length.setdefault(len(word), []).append(word)
        return cls(
            words=frozenset(words),
            offensive=frozenset(offensive),
            by_length={length: tuple(group) for length, group in by_length.items()},
            max_word_length=max((len(word) for word in words), default=0),
        )

    def __contains__(self, word: str) -> bool:
        return word in self.words

    def fill_mask(self, pattern: str) -> str | None:
        """Resolve a masked word: '?' is one unknown letter (`k?nker` -> `kanker`).

        People mask the offensive part of a word, so when several words fit, the single offensive word
        wins (`h??r` -> `hoer`, not `haar`); remaining ties are refused rather than guessed.
        """
        return _fill_mask(self, pattern)

    def segment(self, text: str, min_length: int = 2) -> tuple[str, ...] | None:
        """Split `text` (lowercase, no spaces) into lexicon words, or None if that is impossible.

        Dynamic programming over split points: fewest words first, then the split whose words are
        longest (sum of squared lengths), so `ikmaakjeaf` becomes ik|maak|je|af.
        """
        return _segment(self, text, min_length)


@lru_cache(maxsize=8192)
def _fill_mask(lexicon: Lexicon, pattern: str) -> str | None:
    known = sum(1 for char in pattern if char != "?")
    if known < 2 or "?" not in pattern:
        return None
    regex = re.compile("".join("." if char == "?" else re.escape(char) for char in pattern))
    candidates = [word for word in lexicon.by_length.get(len(pattern), ()) if regex.fullmatch(word)]
    if len(candidates) == 1:
        return candidates[0]
    offensive = [word for word in candidates if word in lexicon.offensive]
    if len(offensive) == 1:
        return offensive[0]
    return None


@lru_cache(maxsize=8192)
def _segment(lexicon: Lexicon, text: str, min_length: int) -> tuple[str, ...] | None:
    length = len(text)
    if length == 0 or length > MAX_SEGMENT_INPUT:
        return None
    longest = min(lexicon.max_word_length, length)
    # best[i]: (word count, -sum of squares, split) for text[:i]
    best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (length + 1)
    best[0] = (0, 0, ())
    for end in range(1, length + 1):
        choice = None
        for start in range(max(0, end - longest), end - min_length + 1):
            previous = best[start]
            if previous is None:
                continue
            word = text[start:end]
            if word not in lexicon.words:
                continue
            candidate = (previous[0] + 1, previous[1] - len(word) ** 2, (*previous[2], word))
            if choice is None or candidate[:2] < choice[:2]:
                choice = candidate
        best[end] = choice
    final = best[length]
    return final[2] if final is not None else None


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The packaged lexicon (`threatdetect/resources/lexicon_nl.txt`), loaded once per process."""
    return Lexicon.from_lines(read_resource_text(LEXICON_FILE).splitlines())
