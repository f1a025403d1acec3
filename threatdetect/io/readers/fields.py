"""What every reader shares: the checks a text must pass and how generic records become messages.

A record becomes a `Message` when its text is a non-empty string of at most `max_chars` characters
(`MAX_TEXT_CHARS` unless the caller sets another limit); otherwise it becomes a `Rejected` that says
why, where and which field. What can be repaired is repaired rather than costing the message, and
each repair is a warning on the message: characters that could not be decoded (undecodable bytes,
kept as lone surrogates by `decoding`, or half of an emoji) become U+FFFD, and NUL characters are
removed. Texts are otherwise kept exactly as written (no stripping): spans and SHA-256 hashes in the
evidence report refer to the text as scored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from threatdetect.io.readers.timestamps import to_iso
from threatdetect.io.records import Message, Rejected

#: Longer texts are rejected unless the caller sets a higher limit (`--max-chars`). Long posts,
#: e-mails and pasted documents fit; windows of a text this long are scored in seconds.
MAX_TEXT_CHARS = 200_000
#: How much of a rejected record goes into the errors file.
RAW_SNIPPET_CHARS = 200

#: Half of a UTF-16 pair: what JSON exports hold when a tool cut a string in the middle of an emoji.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
UNDECODABLE_NOTE = (
    "characters that could not be decoded (bytes not valid in the file's encoding, or half of an "
    "emoji) were replaced by U+FFFD"
)
NUL_NOTE = "NUL characters were removed"
#: Why JSON nested past Python's recursion limit cannot be read (no real export nests that deep).
TOO_DEEP = "JSON nested too deeply to read (hundreds of [ or { inside each other); is the file damaged?"

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
        except RecursionError:
            raw = "(nested too deeply to show)"
    return _LONE_SURROGATE.sub("\ufffd", raw[:RAW_SNIPPET_CHARS])


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages people read."""
    names = {bool: "true/false", int: "number", float: "number", str: "string", list: "array", dict: "object"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def too_long_reason(length: int, max_chars: int) -> str:
    return (
        f"the text is too long: {length:,} characters (the limit is {max_chars:,}; raise it with --max-chars)"
    )


def text_problem(value: Any, max_chars: int = MAX_TEXT_CHARS) -> str | None:
    """Why `value` cannot be scored as a message text (after `clean_text`), or None when it can."""
    if value is None:
        return "the text is null"
    if not isinstance(value, str):
        return f"the text is {'an' if json_type(value)[0] in 'ao' else 'a'} {json_type(value)}, not a string"
    if not value.strip():
        return "the text is empty" if not value else "the text is only whitespace"
    if len(value) > max_chars:
        return too_long_reason(len(value), max_chars)
    return None


def repair_surrogates(text: str) -> tuple[str, str | None]:
    """Replace lone surrogates, which cannot be written as UTF-8, and say so.

    Without this one broken emoji (or one undecodable byte) would stop a whole run at the first
    write or hash of its message.
    """
    if _LONE_SURROGATE.search(text) is None:
        return text, None
    return _LONE_SURROGATE.sub("\ufffd", text), UNDECODABLE_NOTE


def clean_text(text: Any) -> tuple[Any, list[str]]:
    """The text with NULs removed and undecodable characters replaced, and a warning per repair.

    NULs are binary debris (an export tool's padding, a C string), never part of what someone wrote.
    Values that are not strings come back unchanged, for `text_problem` to reject.
    """
    if not isinstance(text, str):
        return text, []
    warnings = []
    if "\x00" in text:
        text = text.replace("\x00", "")
        warnings.append(NUL_NOTE)
    text, repaired = repair_surrogates(text)
    if repaired:
        warnings.append(repaired)
    return text, warnings


def writable(value: Any) -> Any:
    """A metadata value (id, author, extra...) that can always be written as UTF-8 JSON or CSV."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return repair_surrogates(value)[0]
    return snippet(value)  # containers: their JSON text, shortened; deep nesting cannot break it


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
    return _as_str(value)


def _as_str(value: Any) -> str | None:
    """A metadata value as writable text, or None when it is missing or empty."""
    if value is None or value == "":
        return None
    return str(writable(value))


def _as_timestamp(value: Any) -> str | None:
    if isinstance(value, list | dict):
        value = writable(value)
    return _as_str(to_iso(value))


def _metadata_repairs(values: Mapping[str, Any]) -> list[str]:
    """A warning naming the metadata fields in which `writable` replaces undecodable characters."""
    damaged = [
        name for name, value in values.items() if isinstance(value, str) and _LONE_SURROGATE.search(value)
    ]
    return [f"undecodable characters in {', '.join(damaged)} were replaced by U+FFFD"] if damaged else []


def generic_message(
    record: Mapping[str, Any],
    *,
    source: str,
    number: int,
    line: int | None,
    text_field: str,
    id_field: str,
    raw: Any,
    max_chars: int = MAX_TEXT_CHARS,
) -> Message | Rejected:
    """A record of a generic file (JSONL, CSV, JSON, Parquet) as a Message, or why it is Rejected."""
    if text_field not in record:
        return Rejected(
            source, number, f"no field '{text_field}' in this record", line, text_field, snippet(raw)
        )
    text, repairs = clean_text(record[text_field])
    problem = text_problem(text, max_chars)
    if problem:
        return Rejected(source, number, problem, line, text_field, snippet(raw))
    metadata = {
        "id": record.get(id_field),
        "author": first_value(record, AUTHOR_FIELDS),
        "timestamp": first_value(record, TIMESTAMP_FIELDS),
        "url": first_value(record, URL_FIELDS),
    }
    return Message(
        id=_as_str(metadata["id"]) or str(number),
        text=text,
        record=number,
        source=source,
        line=line,
        author=_as_author(metadata["author"]),
        timestamp=_as_timestamp(metadata["timestamp"]),
        url=_as_str(metadata["url"]),
        platform=None,
        warnings=[*repairs, *_metadata_repairs(metadata)],
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
    max_chars: int = MAX_TEXT_CHARS,
) -> Message | Rejected:
    """A record of a platform export (X, Facebook, Instagram) as a Message, or why it is Rejected."""
    text, repairs = clean_text(text)
    problem = text_problem(text, max_chars)
    if problem:
        return Rejected(source, number, problem, None, field, snippet(raw))
    extra = {key: value for key, value in (extra or {}).items() if value not in (None, "")}
    metadata = {"id": identifier, "author": author, "timestamp": timestamp, "url": url, **extra}
    return Message(
        id=_as_str(identifier) or str(number),
        text=text,
        record=number,
        source=source,
        author=_as_author(author),
        timestamp=_as_timestamp(timestamp),
        url=_as_str(url),
        platform=platform,
        extra={key: writable(value) for key, value in extra.items()},
        warnings=[*repairs, *_metadata_repairs(metadata)],
    )


def missing_field_reason(text_field: str, found: list[str], where: str) -> str:
    """The people-facing reason for a missing text field, listing what was found instead."""
    listed = ", ".join(found[:12]) + (", ..." if len(found) > 12 else "")
    return (
        f"no field '{text_field}' in {where}; use --text-field to name the text field "
        f"(found: {listed or 'no fields'})"
    )
