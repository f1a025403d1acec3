"""What every reader shares: the checks a text must pass and how generic records become messages.

A record becomes a `Message` only when its text is a non-empty string without NUL characters and at
most `MAX_TEXT_CHARS` long; otherwise it becomes a `Rejected` that says why, where and which field.
Texts are kept exactly as written (no stripping): spans and SHA-256 hashes in the evidence report
refer to the raw text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from threatdetect.io.readers.timestamps import to_iso
from threatdetect.io.records import Message, Rejected

#: Longer texts are rejected: no social-media message is this long; it is a broken export or a file.
MAX_TEXT_CHARS = 100_000
#: How much of a rejected record goes into the errors file.
RAW_SNIPPET_CHARS = 200

#: Half of a UTF-16 pair: what JSON exports hold when a tool cut a string in the middle of an emoji.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_NOTE = "unpaired UTF-16 surrogate(s) replaced by U+FFFD (a broken emoji in the export)"

AUTHOR_FIELDS = ("author", "user", "username", "sender")
TIMESTAMP_FIELDS = ("timestamp", "created_at", "date", "time")
URL_FIELDS = ("url", "permalink", "link")


def snippet(raw: Any) -> str:
    """The first characters of a raw record, for people reading the errors file."""
    if not isinstance(raw, str):
        try:
            raw = json.dumps(raw, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            raw = repr(raw)
    return _LONE_SURROGATE.sub("\ufffd", raw[:RAW_SNIPPET_CHARS])


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages people read."""
    names = {bool: "true/false", int: "number", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def text_problem(value: Any) -> str | None:
    """Why `value` cannot be scored as a message text, or None when it can."""
    if value is None:
        return "the text is null"
    if not isinstance(value, str):
        return f"the text is {'an' if json_type(value)[0] in 'ao' else 'a'} {json_type(value)}, not a string"
    if "\x00" in value:
        return "the text contains a NUL character (binary data in a text field?)"
    if not value.strip():
        return "the text is empty" if not value else "the text is only whitespace"
    if len(value) > MAX_TEXT_CHARS:
        return f"the text is too long: {len(value):,} characters (the limit is {MAX_TEXT_CHARS:,})"
    return None


def repair_surrogates(text: str) -> tuple[str, str | None]:
    """Replace lone surrogates, which cannot be written as UTF-8, and say so.

    Without this one broken emoji would stop a whole run at the first write or hash of its message.
    """
    if _LONE_SURROGATE.search(text) is None:
        return text, None
    return _LONE_SURROGATE.sub("\ufffd", text), SURROGATE_NOTE


def first_value(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The first of `names` that the record has with a non-empty value."""
    for name in names:
        value = record.get(name)
        if value not in (None, ""):
            return value
    return None


def _as_author(value: Any) -> str | None:
    if isinstance(value, Mapping):  # e.g. {"screen_name": ..., "name": ...} in API dumps
        value = first_value(value, ("screen_name", "username", "name", "id"))
    return None if value in (None, "") else str(value)


def generic_message(
    record: Mapping[str, Any],
    *,
    source: str,
    number: int,
    line: int | None,
    text_field: str,
    id_field: str,
    raw: Any,
) -> Message | Rejected:
    """A record of a generic file (JSONL, CSV, JSON, Parquet) as a Message, or why it is Rejected."""
    if text_field not in record:
        return Rejected(
            source, number, f"no field '{text_field}' in this record", line, text_field, snippet(raw)
        )
    text = record[text_field]
    problem = text_problem(text)
    if problem:
        return Rejected(source, number, problem, line, text_field, snippet(raw))
    identifier = record.get(id_field)
    url = first_value(record, URL_FIELDS)
    text, repaired = repair_surrogates(text)
    return Message(
        id=str(number) if identifier in (None, "") else str(identifier),
        text=text,
        record=number,
        source=source,
        line=line,
        author=_as_author(first_value(record, AUTHOR_FIELDS)),
        timestamp=to_iso(first_value(record, TIMESTAMP_FIELDS)),
        url=None if url is None else str(url),
        platform=None,
        extra={"repaired": repaired} if repaired else {},
    )


def platform_message(
    text: Any,
    *,
    source: str,
    number: int,
    field: str,
    raw: Any,
    platform: str,
    identifier: Any = None,
    author: Any = None,
    timestamp: Any = None,
    url: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Message | Rejected:
    """A record of a platform export (X, Facebook, Instagram) as a Message, or why it is Rejected."""
    problem = text_problem(text)
    if problem:
        return Rejected(source, number, problem, None, field, snippet(raw))
    text, repaired = repair_surrogates(text)
    extra = {**(extra or {}), "repaired": repaired}
    return Message(
        id=str(number) if identifier in (None, "") else str(identifier),
        text=text,
        record=number,
        source=source,
        author=_as_author(author),
        timestamp=to_iso(timestamp),
        url=url,
        platform=platform,
        extra={key: value for key, value in (extra or {}).items() if value not in (None, "")},
    )


def missing_field_reason(text_field: str, found: list[str], where: str) -> str:
    """The people-facing reason for a missing text field, listing what was found instead."""
    listed = ", ".join(found[:12]) + (", ..." if len(found) > 12 else "")
    return (
        f"no field '{text_field}' in {where}; use --text-field to name the text field "
        f"(found: {listed or 'no fields'})"
    )
