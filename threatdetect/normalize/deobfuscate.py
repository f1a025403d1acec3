"""Stage 2 (`deobfuscate`): undo deliberate disguise of words, but only where the result is a Dutch lexicon word.

Writers dodge filters with spaced letters (`d o o d`), dotted or dashed letters (`k.a.n.k.e.r`),
masks (`k*nker`, `h**r`) and leetspeak (`h44t`, `v3rm00rd`, `k@nker`). Requiring a lexicon word is
what keeps `12:30`, `€4,50`, `1234 AB`, `mp3`, `covid19` and `A12B34` untouched: they never map to one.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

from threatdetect.normalize.elongation import LETTER_RUN_RE, squeeze_word
from threatdetect.normalize.lexicon import Lexicon

# Leetspeak: each symbol and the letters it can stand for (tried in this order).
LEET: dict[str, tuple[str, ...]] = {
    "4": ("a",),
    "@": ("a",),
    "3": ("e",),
    "0": ("o",),
    "1": ("i", "l"),
    "!": ("i",),
    "5": ("s",),
    "$": ("s",),
    "7": ("t",),
    "9": ("g",),
    "|": ("l",),
}
MASK_CHARS = frozenset("*")
# Words that mix letters with leet/mask symbols, e.g. `h44t`, `k*nker`, `m@@k`, `$hit`.
OBFUSCATED_WORD_PATTERN = r"(?<![\w@$#])(?=[\w@$*]*[^\W\d_])(?=[\w@$*]*[\d@$*])[\w@$](?:[\w@$*]*[\w@$])?"
# Single letters separated by single spaces: `d o o d`, `h 4 a t`.
SPACED_PATTERN = r"(?<!\w)(?:[^\W_]|[@$])(?:\s+(?:[^\W_]|[@$])){2,}(?!\w)(?![*@$]\w)"
# Letters joined by dots, dashes, underscores or bullets: `k.a.n.k.e.r`, `k-a-n-k-e-r`, `a.u.b.`.
SEPARATED_PATTERN = r"(?<![\w.\-])(?:[^\W_]|[@$])(?:[.\-_·•](?:[^\W_]|[@$])){2,}\.?(?![\w\-])"
# More ambiguous positions than this (`1` is i or l) and we stop trying: such strings are IDs, not words.
_MAX_AMBIGUOUS = 6
_MAX_WORD_LENGTH = 30
# Two-character leet words are resolved only to these pronouns and particles (`j3 h4l3n` -> `je halen`),
# and only when a letter comes first: `7e` (zevende), `1k` (duizend), `A4` and `m2` stay as written.
# `d3` is kept as `de`: obfuscated threats write it so (the price: "vitamine D3" reads "vitamine De").
SHORT_LEET_WORDS = frozenset({"je", "me", "ze", "we", "de", "te", "zo", "ge"})


def match_case(template: str, word: str) -> str:
    """Give `word` the capitalisation of `template` (ALL CAPS, Capitalised or lower)."""
    letters = [char for char in template if char.isalpha()]
    if len(letters) >= 2 and all(char.isupper() for char in letters):
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _letter_variants(chars: str) -> list[str]:
    """All readings of `chars` with leet symbols replaced; masks become '?'."""
    options: list[tuple[str, ...]] = []
    ambiguous = 0
    for char in chars.lower():
        if char in MASK_CHARS:
            options.append(("?",))
        elif char in LEET:
            options.append(LEET[char])
            ambiguous += len(LEET[char]) > 1
        else:
            options.append((char,))
    if ambiguous > _MAX_AMBIGUOUS:
        return []
    return ["".join(choice) for choice in itertools.product(*options)]


def resolve_word(chars: str, lexicon: Lexicon) -> str | None:
    """The lexicon word hidden in `chars` (symbols, masks and elongation undone), or None."""
    return _resolve_word(chars, lexicon)


@lru_cache(maxsize=16384)
def _resolve_word(chars: str, lexicon: Lexicon) -> str | None:
    if len(chars) > _MAX_WORD_LENGTH:
        return None
    real_letters = sum(1 for char in chars if char.isalpha())
    if len(chars) == 2 and chars[0].isalpha() and chars[1].lower() in LEET:
        return next((v for v in _letter_variants(chars) if v in SHORT_LEET_WORDS), None)
    if real_letters < 2 or len(chars) < 3:
        return None
    for variant in _letter_variants(chars):
        if "?" in variant:
            found = lexicon.fill_mask(variant)
            if found is not None:
                return found
            continue
        if any(not char.isalpha() for char in variant):
            continue
        if variant in lexicon:
            return variant
        if LETTER_RUN_RE.search(variant) is not None:
            squeezed = squeeze_word(variant, lexicon)
            if squeezed in lexicon:
                return squeezed
    return None


def resolve_obfuscated_word(word: str, lexicon: Lexicon) -> str | None:
    """`k*nker` -> `kanker`, `V3RM00RD` -> `VERMOORD`; None when no lexicon word fits.

    Mask characters at the edges are markdown emphasis (`*dood*`), not disguise, so they never count.
    """
    core = word.strip("*")
    if core != word or not core:
        return None
    found = resolve_word(core, lexicon)
    return None if found is None else match_case(core, found)


def resolve_separated(text: str, lexicon: Lexicon) -> list[tuple[int, int, str]] | None:
    """Spaced or dotted letters -> words with their spans inside `text`.

    `d o o d` gives one word; `i k h a a t j e` is split into lexicon words (ik, haat, je) with the
    same dynamic programming as hashtags. None when the letters do not spell lexicon words.
    """
    positions = [m.start() for m in re.finditer(r"[^\s.\-_·•]", text)]
    letters = "".join(text[position] for position in positions)
    if sum(1 for char in letters if char.isalpha()) < 2:
        return None
    joined = resolve_word(letters, lexicon) if len(letters) >= 3 else None
    if joined is not None:
        return [(0, len(text.rstrip(".")), match_case(letters, joined))]
    if not letters.isalpha():
        return None
    words = lexicon.segment(letters.lower())
    if words is None:
        return None
    result, cursor = [], 0
    for word in words:
        first, last = positions[cursor], positions[cursor + len(word) - 1]
        result.append((first, last + 1, match_case(letters[cursor : cursor + len(word)], word)))
        cursor += len(word)
    return result
