"""From an input file's bytes to text, without letting a bad byte cost its record.

Encoding: a byte-order mark decides (UTF-8, UTF-16 or UTF-32; Excel's "Unicode text" export is
UTF-16 LE with a BOM). Without one, readers assume UTF-8 (CSV falls back to cp1252).

Bytes that are not valid in the encoding are kept as lone surrogates (U+DC00 + byte, like Python's
`surrogateescape`, but for every byte value and every codec) by the `ESCAPE` error handler. The
record checks in `fields` then replace lone surrogates with U+FFFD and put a warning on the
message, so the message is still scored and says what was repaired. Only a file that is mostly not
text (binary data, UTF-16 without a BOM) is refused, by `check_mostly_text`.
"""

from __future__ import annotations

import codecs
import io
import re
from pathlib import Path
from typing import TextIO

from threatdetect.io.readers.files import open_binary
from threatdetect.io.records import InputError

#: Name of the codec error handler that keeps undecodable bytes as lone surrogates.
ESCAPE = "threatdetect-escape"

#: UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: What is not text: kept undecodable bytes (lone surrogates) and control characters other than
#: tab and line breaks.
_NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A file whose sample has more than this share of non-text characters is refused. Real text in a
#: wrong encoding stays far below it (a few percent: one byte per accented letter), while UTF-16
#: without a BOM is about half NULs and random binary data about half undecodable bytes.
MOSTLY_NOT_TEXT = 0.3


def _escape(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), error.end


codecs.register_error(ESCAPE, _escape)


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """(encoding, BOM length) when the bytes start with a byte-order mark, else None."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    return None


def decode(data: bytes, encoding: str) -> str:
    """`data` as text; undecodable bytes become lone surrogates (see the module docstring)."""
    return data.decode(encoding, ESCAPE)


def head_text(head: bytes) -> str:
    """The first bytes of a file as text, for format detection: BOM-aware, UTF-8 otherwise."""
    encoding, skip = bom_encoding(head) or ("utf-8", 0)
    return decode(head[skip:], encoding)


def not_text_share(text: str) -> float:
    return len(_NOT_TEXT.findall(text)) / len(text) if text else 0.0


def check_mostly_text(path: Path, head: bytes, encoding: str) -> None:
    """Raise InputError when the sample is mostly undecodable bytes or control characters."""
    share = not_text_share(decode(head, encoding))
    if share > MOSTLY_NOT_TEXT:
        raise InputError(
            str(path),
            f"this file is mostly not {encoding} text ({share:.0%} of its first {len(head):,} bytes are "
            "undecodable or control characters); is it binary, or UTF-16 without a byte-order mark? "
            "Save it as UTF-8",
        )


def open_text(path: Path, encoding: str, skip: int = 0) -> TextIO:
    """The file as text lines, each with its '\\n' (a lone '\\r' does not end a line), after `skip` bytes."""
    handle = open_binary(path)
    handle.seek(skip)
    return io.TextIOWrapper(handle, encoding=encoding, errors=ESCAPE, newline="\n")
