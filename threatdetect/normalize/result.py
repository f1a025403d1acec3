"""Result types of the normaliser: tokens that remember where they came from in the raw text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Token(NamedTuple):
    """One normalised token.

    A NamedTuple rather than a dataclass because the normaliser creates tens of thousands per second and
    tuples are the cheapest immutable record in CPython.

    Attributes:
        text: the normalised token text.
        lower: `text` lowercased (the feature view).
        start: start of the evidence span in the raw input (inclusive).
        end: end of the evidence span in the raw input (exclusive); `raw[start:end]` is what the token
            came from, so reports can highlight it.
        source: the step that produced the token: 'plain', 'repaired', 'placeholder', 'hashtag',
            'squeezed', 'deobfuscated', 'abbreviation' or 'emoji' (a word added after an emoji; the
            emoji itself is a 'plain' token).
    """

    text: str
    lower: str
    start: int
    end: int
    source: str


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """The normaliser's output: the untouched raw text, the normalised text and its tokens."""

    raw: str
    text: str
    lower: str
    tokens: tuple[Token, ...]

    def evidence(self, token: Token) -> str:
        """The raw text a token came from (what a report highlights)."""
        return self.raw[token.start : token.end]
