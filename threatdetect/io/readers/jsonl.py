"""JSON Lines: one JSON object per line, read line by line so memory stays flat.

Blank (or whitespace-only) lines are not records: they are skipped and get no record number, but
line numbers still count them, so `line` is the line an editor shows. Every other line is a record:
a line that is not valid UTF-8, not valid JSON, not a JSON object, or has no usable text becomes a
`Rejected` and reading goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from threatdetect.io.readers.fields import generic_message, json_type, missing_field_reason, snippet
from threatdetect.io.readers.files import open_binary
from threatdetect.io.records import InputError, Message, Rejected

#: How many non-blank lines the up-front check looks through for a first JSON object.
CHECK_LINES = 50


def _decode(raw: bytes, line: int) -> tuple[str | None, str | None]:
    """(text, None) or (None, reason) for one raw line."""
    if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        return None, "the line contains a NUL byte (binary data, or a UTF-16 file?)"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        return None, f"bytes that are not valid UTF-8 at column {error.start + 1}; save the file as UTF-8"


def _parse(text: str) -> tuple[object, str | None]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg} at column {error.colno})"
    if not isinstance(value, dict):
        return None, f"a JSON {json_type(value)}, not an object; each line must be one {{...}} object"
    return value, None


def check_jsonl(path: Path, text_field: str) -> None:
    """Raise InputError unless the first JSON object in the file has the text field."""
    checked = 0
    with open_binary(path) as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            checked += 1
            text, _ = _decode(raw.rstrip(b"\r\n"), line)
            value, _ = _parse(text) if text is not None else (None, "")
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


def iter_jsonl(path: Path, text_field: str, id_field: str) -> Iterator[Message | Rejected]:
    source = str(path)
    number = 0
    with open_binary(path) as handle:
        for line, raw in enumerate(handle, start=1):
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            number += 1
            text, problem = _decode(raw, line)
            if text is None:
                yield Rejected(
                    source,
                    number,
                    problem or "",
                    line,
                    None,
                    snippet(raw.decode("utf-8", "replace").replace("\x00", "\\x00")),
                )
                continue
            value, problem = _parse(text)
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
            )
