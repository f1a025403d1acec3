"""Undo the text damage of Facebook and Instagram exports.

Meta's "Download your information" writes every UTF-8 byte of a string as its own `\\u00XX` escape, so
after JSON decoding "é" reads as "Ã©" and an emoji as four Latin-1 letters; re-encoding as Latin-1
gives back the original bytes. Copies of such files that went through another tool can even hold the
escapes as literal text (`caf\\u00c3\\u00a9`); those are decoded here too. When neither applies (the
string was not written this way, or only partly) the normaliser's `repair_mojibake` (ftfy) repairs
what it can and leaves correct text alone.
"""

from __future__ import annotations

import re
from typing import Any

from threatdetect.normalize.encoding import repair_mojibake

__all__ = ["decode_meta_text", "repair_mojibake", "repair_strings"]

_ESCAPED_BYTES_RE = re.compile(r"(?:\\u00[0-9a-fA-F]{2})+")


def _decode_escaped_bytes(match: re.Match[str]) -> str:
    """`\\u00c3\\u00a9` -> 'é'; Latin-1 when the bytes are not valid UTF-8."""
    escapes = match.group(0)
    data = bytes(int(escapes[index + 4 : index + 6], 16) for index in range(0, len(escapes), 6))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_meta_text(text: str) -> str:
    """A string from a Meta export as it was written."""
    if "\\u00" in text:
        text = _ESCAPED_BYTES_RE.sub(_decode_escaped_bytes, text)
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return repair_mojibake(text)


def repair_strings(value: Any) -> Any:
    """`decode_meta_text` applied to every string in a decoded JSON value."""
    if isinstance(value, str):
        return decode_meta_text(value)
    if isinstance(value, list):
        return [repair_strings(item) for item in value]
    if isinstance(value, dict):
        return {repair_strings(key): repair_strings(item) for key, item in value.items()}
    return value
