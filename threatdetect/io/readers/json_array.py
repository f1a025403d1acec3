"""A JSON file holding one array of objects (`[{"id": ..., "text": ...}, ...]`), loaded whole.

Platform exports that are JSON too (Facebook, Instagram) have their own readers; this one is for
generic files. Elements that are not objects, or have no usable text, become `Rejected`.

`load_json` (shared with those readers) is lenient where leniency costs nothing: undecodable bytes
are kept for the record checks to replace and warn about (see `decoding`), raw control characters
inside strings are accepted, and a byte-order mark picks UTF-16 or UTF-32. A file that is mostly
not text, not JSON, or nested too deeply to parse is one clear InputError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threatdetect.io.readers.decoding import bom_encoding, check_mostly_text, decode
from threatdetect.io.readers.fields import (
    MAX_TEXT_CHARS,
    TOO_DEEP,
    generic_message,
    json_type,
    missing_field_reason,
    snippet,
)
from threatdetect.io.readers.files import HEAD_BYTES, open_binary
from threatdetect.io.records import InputError, Message, Rejected


def load_json(path: Path) -> Any:
    """The decoded JSON document; InputError (with line) when it is not JSON text."""
    with open_binary(path) as handle:
        data = handle.read()
    encoding, skip = bom_encoding(data) or ("utf-8", 0)
    check_mostly_text(path, data[skip : skip + HEAD_BYTES], encoding)
    try:
        return json.loads(decode(data[skip:], encoding), strict=False)
    except json.JSONDecodeError as error:
        raise InputError(
            str(path),
            f"not valid JSON: {error.msg} at column {error.colno}; if the file has "
            "one object per line, use --format jsonl",
            line=error.lineno,
        ) from error
    except RecursionError as error:
        raise InputError(str(path), TOO_DEEP) from error


def check_json_array(path: Path, text_field: str) -> list[Any]:
    """The loaded array; InputError unless it is an array whose first object has the text field."""
    document = load_json(path)
    if not isinstance(document, list):
        found = f"an object with {', '.join(list(document)[:8])}" if isinstance(document, dict) else "a value"
        raise InputError(
            str(path),
            f"expected an array of objects ([{{...}}, ...]) but found {found} at the top; for a platform "
            "export name it with --format facebook or --format instagram",
        )
    first = next((item for item in document if isinstance(item, dict)), None)
    if first is not None and text_field not in first:
        raise InputError(
            str(path), missing_field_reason(text_field, list(first), "the first record"), field=text_field
        )
    return document


def iter_json_array(
    path: Path, document: list[Any], text_field: str, id_field: str, max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            yield Rejected(
                source,
                number,
                f"element {number} is a JSON {json_type(item)}, not an object",
                None,
                None,
                snippet(item),
            )
            continue
        yield generic_message(
            item,
            source=source,
            number=number,
            line=None,
            text_field=text_field,
            id_field=id_field,
            raw=item,
            max_chars=max_chars,
        )
