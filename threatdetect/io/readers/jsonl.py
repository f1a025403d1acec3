"""JSON Lines: one JSON object per line, read line by line so memory stays flat.

Blank (or whitespace-only) lines are not records: they are skipped and get no record number, but
line numbers still count them, so `line` is the line an editor shows. Every other line is a record:
a line that is not valid JSON, not a JSON object, or has no usable text becomes a `Rejected` and
reading goes on.

Lines are read leniently, so that damage costs at most its own record: bytes that are not UTF-8 are
replaced (a warning on the message, see `decoding`), raw control characters inside strings are
accepted (`strict=False`; NULs are removed before scoring), and a line nested too deeply to parse is
rejected on its own. A byte-order mark picks UTF-16 or UTF-32; a file that is mostly not text is a
fatal error.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from threatdetect.io.readers.decoding import bom_encoding, check_mostly_text, open_text
from threatdetect.io.readers.fields import (
    MAX_TEXT_CHARS,
    TOO_DEEP,
    generic_message,
    json_type,
    missing_field_reason,
    snippet,
)
from threatdetect.io.readers.files import read_head
from threatdetect.io.records import InputError, Message, Rejected

#: How many non-blank lines the up-front check looks through for a first JSON object.
CHECK_LINES = 50
#: What JSON allows around a value; other characters make a line a record, even an invalid one.
JSON_WHITESPACE = " \t\r\n"


def parse_line(text: str) -> tuple[object, str | None]:
    """One line as a JSON object, or None and why it is not one (the reason an errors file shows)."""
    try:
        value = json.loads(text, strict=False)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno})"
    except RecursionError:
        return None, TOO_DEEP
    if not isinstance(value, dict):
        return None, f"a JSON {json_type(value)}, not an object; each line must be one {{...}} object"
    return value, None


def _encoding(path: Path) -> tuple[str, int]:
    """(encoding, BOM length); InputError when the file is mostly not text."""
    head = read_head(path)
    encoding, skip = bom_encoding(head) or ("utf-8", 0)
    check_mostly_text(path, head[skip:], encoding)
    return encoding, skip


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text without its line break) for every non-blank line."""
    with open_text(path, *_encoding(path)) as handle:
        for line, text in enumerate(handle, start=1):
            text = text.rstrip("\r\n")
            if text.strip(JSON_WHITESPACE):
                yield line, text


def check_jsonl(path: Path, text_field: str) -> None:
    """Raise InputError unless the first JSON object in the file has the text field."""
    checked = 0
    for line, text in _lines(path):
        checked += 1
        value, _ = parse_line(text)
        if isinstance(value, dict):
            if text_field not in value:
                raise InputError(
                    str(path),
                    missing_field_reason(text_field, list(value), "the first record"),
                    line=line,
                    field=text_field,
                )
            return
        if checked >= CHECK_LINES:
            break
    if checked:
        raise InputError(
            str(path),
            f"no JSON object in the first {checked} non-blank lines; is this "
            "JSON Lines? Name the format with --format (jsonl, csv, tsv, json, parquet, x, "
            "facebook, instagram)",
        )


def iter_jsonl(
    path: Path, text_field: str, id_field: str, max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    for number, (line, text) in enumerate(_lines(path), start=1):
        value, problem = parse_line(text)
        if problem:
            yield Rejected(source, number, problem, line, None, snippet(text))
            continue
        yield generic_message(
            value,
            source=source,
            number=number,
            line=line,
            text_field=text_field,
            id_field=id_field,
            raw=text,
            max_chars=max_chars,
        )
