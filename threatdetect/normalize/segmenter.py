"""Stage 2 on the cleaned text: find the spans that must not be tokenised the ordinary way.

One master regex (alternatives in priority order: URL, e-mail, mention, phone, hashtag, protected
numbers, emoji, punctuation runs, spaced / dotted / leetspeak words) is run once per message; each
match goes to a small handler that returns the tokens for that span, or None to leave the span to the
spaCy tokenizer. Doing this on the string, before spaCy, is what lets `d o o d` and `k-a-n-k-e-r`
become one token even though spaCy splits them into letters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from threatdetect.normalize import placeholders
from threatdetect.normalize.abbreviations import expand_abbreviation
from threatdetect.normalize.deobfuscate import (
    OBFUSCATED_WORD_PATTERN,
    SEPARATED_PATTERN,
    SPACED_PATTERN,
    resolve_obfuscated_word,
    resolve_separated,
)
from threatdetect.normalize.elongation import PUNCT_RUN_PATTERN, squeeze_punctuation
from threatdetect.normalize.emoji_map import EMOJI_PATTERN, emoji_words
from threatdetect.normalize.hashtags import split_hashtag
from threatdetect.normalize.lexicon import Lexicon
from threatdetect.normalize.settings import NormalizerSettings


class Piece(NamedTuple):
    """A token in the making: its text, its span in the cleaned text, and the step that made it
    (`source`, as in `Token.source`)."""

    text: str
    start: int
    end: int
    source: str


class Special(NamedTuple):
    """A span of the cleaned text that the scanner tokenises itself, with the pieces it becomes."""

    start: int
    end: int
    pieces: list[Piece]


HASHTAG_PATTERN = r"(?<![\w#&])#\w+"
# Spaced letter runs longer than this are not searched for a word inside (the search is quadratic).
_MAX_SPACED_SEARCH = 16
_NON_SPACE_RE = re.compile(r"\S")
_DISGUISE_RE = re.compile(r"[\d@$*]")
_CONTEXT_SENSITIVE = frozenset({"spaced", "separated", "obfuscated"})


@dataclass(frozen=True, eq=False)
class Scanner:
    """Finds special spans for one settings combination (the regex only holds the enabled steps)."""

    settings: NormalizerSettings
    lexicon: Lexicon
    pattern: re.Pattern[str]

    @classmethod
    def build(cls, settings: NormalizerSettings, lexicon: Lexicon) -> Scanner:
        alternatives: list[tuple[str, str]] = []
        if settings.placeholders:
            alternatives += [
                ("url", placeholders.URL_PATTERN),
                ("email", placeholders.EMAIL_PATTERN),
                ("mention", placeholders.MENTION_PATTERN),
                ("phone", placeholders.PHONE_PATTERN),
            ]
        alternatives += [
            ("hashtag", HASHTAG_PATTERN),
            ("protected", placeholders.PROTECTED_PATTERN),
            ("emoji", EMOJI_PATTERN),
        ]
        if settings.squeeze_elongations:
            alternatives.append(("punct", PUNCT_RUN_PATTERN))
        if settings.deobfuscate:
            alternatives += [
                ("spaced", SPACED_PATTERN),
                ("separated", SEPARATED_PATTERN),
                ("obfuscated", OBFUSCATED_WORD_PATTERN),
            ]
        elif settings.expand_abbreviations:
            # Dotted abbreviations (`z.s.m.`) still need to be seen as one word.
            alternatives.append(("separated", SEPARATED_PATTERN))
        pattern = re.compile("|".join(f"(?P<{name}>{regex})" for name, regex in alternatives))
        return cls(settings, lexicon, pattern)

    def scan(self, text: str, trace: list[bool] | None = None) -> list[Special]:
        """Special spans of `text`, sorted and non-overlapping, each with its replacement pieces.

        `trace[0]` is set when a disguise candidate was seen (found or rejected): only then can the
        result depend on context in a way that a second pass would see differently.
        """
        specials: list[Special] = []
        search = self.pattern.search
        offset, view, position = 0, text, 0
        while (match := search(view, position)) is not None:
            if trace is not None and match.lastgroup in _CONTEXT_SENSITIVE:
                trace[0] = True
            result = _HANDLERS[match.lastgroup or ""](self, view, match)
            if result is None:
                # A rejected candidate (`$D` in `$D 0 0 D`) may hide a real one starting inside it.
                position = match.start() + 1
                continue
            start, end, pieces = result
            if offset:
                pieces = [
                    piece._replace(start=piece.start + offset, end=piece.end + offset) for piece in pieces
                ]
            specials.append(Special(start + offset, end + offset, pieces))
            # Scan the rest as a fresh string: in the output a special token is followed by a space, so
            # look-behinds must not see its last character (or a second pass would differ).
            offset += end
            view, position = text[offset:], 0
        return specials

    def word_pieces(self, word: str, start: int, end: int, source: str) -> list[Piece]:
        """Pieces for a word produced by any step: abbreviations expand here too (idempotence)."""
        if self.settings.expand_abbreviations:
            expansion = expand_abbreviation(word)
            if expansion is not None:
                return [Piece(part, start, end, "abbreviation") for part in expansion]
        return [Piece(word, start, end, source)]

    # --- handlers: (scanner, text, match) -> Special | None -------------------------------------

    def _url(self, text: str, match: re.Match[str]) -> Special:
        start = match.start()
        end = placeholders.url_end(text, start, match.end())
        return Special(start, end, [Piece(placeholders.URL_TOKEN, start, end, "placeholder")])

    def _hashtag(self, text: str, match: re.Match[str]) -> Special:
        start, end = match.span()
        body = match.group()[1:]
        spans = split_hashtag(body, self.lexicon) if self.settings.segment_hashtags else None
        if spans is None:
            return Special(start, end, [Piece(match.group(), start, end, "plain")])
        pieces: list[Piece] = []
        for word_start, word_end in spans:
            word_start, word_end = start + 1 + word_start, start + 1 + word_end
            pieces += self.word_pieces(text[word_start:word_end], word_start, word_end, "hashtag")
        return Special(start, end, pieces)

    def _emoji(self, text: str, match: re.Match[str]) -> Special:
        start, end = match.span()
        pieces = [Piece(match.group(), start, end, "plain")]
        if self.settings.map_emoji:
            pieces += [Piece(word, start, end, "emoji") for word in emoji_words(match.group())]
        return Special(start, end, pieces)

    def _punct(self, text: str, match: re.Match[str]) -> Special:
        start, end = match.span()
        squeezed = squeeze_punctuation(match.group())
        source = "plain" if squeezed == match.group() else "squeezed"
        return Special(start, end, [Piece(squeezed, start, end, source)])

    def _separated(self, text: str, match: re.Match[str]) -> Special | None:
        start, end = match.span()
        value = match.group()
        if self.settings.expand_abbreviations:
            letters = re.sub(r"[ .\-_·•]", "", value)
            expansion = expand_abbreviation(letters)
            if expansion is not None and len(letters) >= 2:
                return Special(start, end, [Piece(part, start, end, "abbreviation") for part in expansion])
        if not self.settings.deobfuscate:
            return None
        words = resolve_separated(value, self.lexicon)
        if words is None and match.lastgroup == "spaced":
            return self._spaced_part(value, start)
        if words is None:
            return None
        pieces: list[Piece] = []
        for word_start, word_end, word in words:
            pieces += self.word_pieces(word, start + word_start, start + word_end, "deobfuscated")
        return Special(start, end, pieces)

    def _spaced_part(self, value: str, start: int) -> Special | None:
        """Cover spaced letters with the longest runs that spell lexicon words, left to right.

        `d o o d x` holds `d o o d`; finding it here (rather than giving up on the whole run) matters
        because a second pass may see the letters with other neighbours and would find it then.
        Letters outside any word stay single-letter tokens.
        """
        items = [m.start() for m in _NON_SPACE_RE.finditer(value)]
        count = len(items)
        if count > _MAX_SPACED_SEARCH:
            return None
        pieces: list[Piece] = []
        found = False
        first = 0
        while first < count:
            for length in range(count - first, 2, -1):
                part = value[items[first] : items[first + length - 1] + 1]
                words = resolve_separated(part, self.lexicon)
                if words is not None:
                    offset = start + items[first]
                    for word_start, word_end, word in words:
                        pieces += self.word_pieces(
                            word, offset + word_start, offset + word_end, "deobfuscated"
                        )
                    first += length
                    found = True
                    break
            else:
                letter_start = start + items[first]
                pieces.append(Piece(value[items[first]], letter_start, letter_start + 1, "plain"))
                first += 1
        return Special(start, start + len(value), pieces) if found else None

    def _obfuscated(self, text: str, match: re.Match[str]) -> Special | None:
        start, end = match.span()
        value = match.group()
        if self.settings.expand_abbreviations:
            expansion = expand_abbreviation(value)
            if expansion is not None:
                return Special(start, end, [Piece(part, start, end, "abbreviation") for part in expansion])
        core = value.strip("*")  # edge stars are markdown emphasis (`*dood*`), not a mask
        if core != value:
            if not core:
                return None
            start += value.index(core)
            end = start + len(core)
            value = core
        if _DISGUISE_RE.search(value) is None:
            return None
        word = resolve_obfuscated_word(value, self.lexicon)
        if word is not None:
            return Special(start, end, self.word_pieces(word, start, end, "deobfuscated"))
        if value.isalnum() and not value.isalpha():
            # Codes such as `7HG5K`, `mp3` or `A12B34`: one untouched token (spaCy would split units off).
            return Special(start, end, [Piece(value, start, end, "plain")])
        return None

    def _protected(self, text: str, match: re.Match[str]) -> Special:
        start, end = match.span()
        return Special(start, end, [Piece(match.group(), start, end, "plain")])


def _placeholder_handler(token: str) -> Callable[[Scanner, str, re.Match[str]], Special]:
    def handle(scanner: Scanner, text: str, match: re.Match[str]) -> Special:
        start, end = match.span()
        return Special(start, end, [Piece(token, start, end, "placeholder")])

    return handle


_HANDLERS: dict[str, Callable[[Scanner, str, re.Match[str]], Special | None]] = {
    "url": Scanner._url,
    "email": _placeholder_handler(placeholders.EMAIL_TOKEN),
    "mention": _placeholder_handler(placeholders.USER_TOKEN),
    "phone": _placeholder_handler(placeholders.PHONE_TOKEN),
    "hashtag": Scanner._hashtag,
    "protected": Scanner._protected,
    "emoji": Scanner._emoji,
    "punct": Scanner._punct,
    "spaced": Scanner._separated,
    "separated": Scanner._separated,
    "obfuscated": Scanner._obfuscated,
}
