"""Stage 1 (`repair_encoding`): character-level repair before tokenisation, with raw offsets kept.

Order matters: invisible characters go first (they hide inside mojibake and words), then mojibake
(ftfy), then NFKC (fullwidth and mathematical letters, ligatures), then look-alike letters. Each
sub-step has a cheap "is there anything to do?" check so clean ASCII messages pass through untouched.

`repair_mojibake` is the package's one repair of UTF-8 text that was decoded as Latin-1/cp1252; the
Facebook and Instagram readers use it too. Undoing the `\\u00XX` escapes of Meta's exports is the
readers' job (io/readers/mojibake.py), not the normaliser's.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy

from threatdetect.normalize.alignment import AlignedText
from threatdetect.normalize.lexicon import Lexicon
from threatdetect.normalize.resources import load_homoglyphs

# Characters that emoji sequences legitimately glue together with ZWJ / variation selectors.
EMOJI_CLASS = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2300-\u23ff\u2b00-\u2bff\u00a9\u00ae\u203c\u2049\u3030\u303d"
)
_EMOJI_TAIL = "\ufe0f\U0001f3fb-\U0001f3ff\u20e3"

# Lone surrogates are always removed (also with repair off): they cannot be encoded or printed.
_SURROGATES_RE = re.compile("[\ud800-\udfff]")
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e"
    "\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff0-\ufff8\ud800-\udfff\U000e0000-\U000e007f]"
    f"|(?<![{EMOJI_CLASS}{_EMOJI_TAIL}])\u200d|\u200d(?![{EMOJI_CLASS}])"
    f"|(?<![{EMOJI_CLASS}{_EMOJI_TAIL}0-9#*])[\ufe00-\ufe0f]"
)
# Unicode spaces become a plain space (one for one) so the tokenizer and NFKC agree on word boundaries.
_ODD_SPACE_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x85]")
# Mojibake of UTF-8 read as Latin-1/cp1252 always starts with one of these characters.
_MOJIBAKE_HINT_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u203a\u20ac\u2122]"
)
_CHUNK_RE = re.compile(r"\S+")
_WORD_RE = re.compile(r"[^\W\d_]+")


def remove_surrogates(aligned: AlignedText) -> AlignedText:
    """Drop lone surrogates (the only characters that make later steps or printing fail)."""
    if _SURROGATES_RE.search(aligned.text) is None:
        return aligned
    return aligned.apply((m.start(), m.end(), "") for m in _SURROGATES_RE.finditer(aligned.text))


def remove_invisible(aligned: AlignedText) -> AlignedText:
    """Drop zero-width, bidi and control characters (keeping ZWJ inside emoji); unify odd spaces."""
    text = aligned.text
    if _INVISIBLE_RE.search(text) is not None:
        aligned = aligned.apply((m.start(), m.end(), "") for m in _INVISIBLE_RE.finditer(text))
        text = aligned.text
    if _ODD_SPACE_RE.search(text) is not None:
        aligned = AlignedText(_ODD_SPACE_RE.sub(" ", text), aligned.raw_length, aligned.starts, aligned.ends)
    return aligned


def repair_mojibake(text: str) -> str:
    """UTF-8 that was read as Latin-1/cp1252 ('cafÃ©') back to what was written ('café').

    ftfy decides from the characters whether the text really is mojibake, so correct text (also
    correct accented text) is returned unchanged.
    """
    if text.isascii() or _MOJIBAKE_HINT_RE.search(text) is None:
        return text
    return ftfy.fix_encoding(text)


def repair_mojibake_chunks(aligned: AlignedText) -> AlignedText:
    """`repair_mojibake` per whitespace chunk, so offsets to the raw text stay tight."""
    text = aligned.text
    if text.isascii() or _MOJIBAKE_HINT_RE.search(text) is None:
        return aligned
    edits = []
    for chunk in _CHUNK_RE.finditer(text):
        fixed = repair_mojibake(chunk.group())
        if fixed != chunk.group():
            edits.append((chunk.start(), chunk.end(), fixed))
    if not edits:
        return aligned
    return remove_invisible(aligned.apply(edits))


def apply_nfkc(aligned: AlignedText) -> AlignedText:
    """NFKC per whitespace chunk: fullwidth, circled and mathematical letters become plain letters."""
    text = aligned.text
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return aligned
    edits = []
    for chunk in _CHUNK_RE.finditer(text):
        value = chunk.group()
        if not unicodedata.is_normalized("NFKC", value):
            edits.append((chunk.start(), chunk.end(), unicodedata.normalize("NFKC", value)))
    aligned = aligned.apply(edits)
    # NFKC can produce spaces (e.g. U+00A8) and invisible characters; clean again so the result is stable.
    return remove_invisible(aligned)


@lru_cache(maxsize=1)
def _homoglyph_tables() -> tuple[re.Pattern[str], dict[int, str]]:
    mapping = load_homoglyphs()
    pattern = re.compile("[" + "".join(re.escape(char) for char in mapping) + "]")
    return pattern, str.maketrans(mapping)


def map_homoglyphs(aligned: AlignedText, lexicon: Lexicon) -> AlignedText:
    """Replace look-alike letters inside words that also hold Latin letters or become a lexicon word.

    Pure Greek or Cyrillic words are left alone: they are real text, not disguise.
    """
    pattern, table = _homoglyph_tables()
    text = aligned.text
    if text.isascii() or pattern.search(text) is None:
        return aligned
    edits = []
    for word in _WORD_RE.finditer(text):
        value = word.group()
        if pattern.search(value) is None:
            continue
        mapped = value.translate(table)
        has_latin = any("a" <= char.lower() <= "z" for char in value)
        if has_latin or mapped.lower() in lexicon:
            edits.append((word.start(), word.end(), mapped))
    if not edits:
        return aligned
    return AlignedText(aligned.apply(edits).text, aligned.raw_length, aligned.starts, aligned.ends)


def repair_token(text: str) -> str:
    """Repair mojibake inside one finished token until it is stable.

    ftfy judges a chunk by its context (`aÂ¥¦` is left alone, `aÂ¥` is fixed), and a second pass sees
    each token as its own chunk, so tokens get a last check on their own.
    """
    for _ in range(3):
        fixed = repair_mojibake(text)
        if fixed == text:
            break
        text = unicodedata.normalize("NFKC", _INVISIBLE_RE.sub("", fixed))
    return text


def clean_characters(text: str, lexicon: Lexicon, repair: bool) -> AlignedText:
    """Run stage 1 on raw text; with `repair` off only lone surrogates are removed."""
    aligned = remove_surrogates(AlignedText.identity(text))
    if not repair:
        return aligned
    aligned = remove_invisible(aligned)
    aligned = repair_mojibake_chunks(aligned)
    aligned = apply_nfkc(aligned)
    return map_homoglyphs(aligned, lexicon)
