"""Undo the mojibake in Facebook and Instagram exports.

Meta's "Download your information" writes every UTF-8 byte of a string as its own `\\u00XX` escape, so
after JSON decoding "é" reads as "Ã©" and an emoji as four Latin-1 letters. Re-encoding as Latin-1
gives back the original bytes. When that fails (the string was not written this way, or only partly)
ftfy's `fix_encoding` repairs what it can and leaves correct text alone.
"""

from __future__ import annotations

from typing import Any

import ftfy


def repair_mojibake(text: str) -> str:
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return ftfy.fix_encoding(text)


def repair_strings(value: Any) -> Any:
    """`repair_mojibake` applied to every string in a decoded JSON value."""
    if isinstance(value, str):
        return repair_mojibake(value)
    if isinstance(value, list):
        return [repair_strings(item) for item in value]
    if isinstance(value, dict):
        return {repair_strings(key): repair_strings(item) for key, item in value.items()}
    return value
