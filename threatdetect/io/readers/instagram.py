"""Instagram "Download your information" (JSON): comments.

`comments/post_comments_1.json` is a list (older exports: `{"comments_media_comments": [...]}`, reels:
`comments_reels_comments`) of `{"string_map_data": {"Comment": {"value"}, "Media Owner": {"value"},
"Time": {"timestamp"}}}`. These are comments the account owner wrote, so the file does not name the
author; "Media Owner" (whose post it was) goes into `extra["media_owner"]`. Strings carry the same
mojibake as Facebook's and are repaired.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threatdetect.io.readers.fields import MAX_TEXT_CHARS, platform_message, snippet
from threatdetect.io.readers.json_array import load_json
from threatdetect.io.readers.mojibake import repair_strings
from threatdetect.io.records import InputError, Message, Rejected

PLATFORM = "instagram"


def comment_entries(document: Any) -> list[Any] | None:
    """The list of comment entries, or None when this is not an Instagram comments file."""
    if isinstance(document, dict):
        lists = [v for k, v in document.items() if k.startswith("comments_") and isinstance(v, list)]
        document = [entry for entries in lists for entry in entries] if lists else None
    if isinstance(document, list) and any(isinstance(e, dict) and "string_map_data" in e for e in document):
        return document
    return None


def load_instagram(path: Path) -> list[Any]:
    entries = comment_entries(load_json(path))
    if entries is None:
        raise InputError(
            str(path),
            "not an Instagram comments file: expected entries with "
            "'string_map_data' (as in comments/post_comments_1.json)",
        )
    return repair_strings(entries)


def _value(data: dict[str, Any], key: str, inner: str) -> Any:
    item = data.get(key)
    return item.get(inner) if isinstance(item, dict) else None


def iter_instagram(
    path: Path, entries: list[Any], max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    for number, entry in enumerate(entries, start=1):
        data = entry.get("string_map_data") if isinstance(entry, dict) else None
        if not isinstance(data, dict):
            yield Rejected(source, number, "an entry without string_map_data", None, None, snippet(entry))
            continue
        if "Comment" not in data:
            yield Rejected(source, number, "no text in this comment", None, "Comment", snippet(entry))
            continue
        yield platform_message(
            _value(data, "Comment", "value"),
            source=source,
            number=number,
            field="Comment",
            raw=entry,
            platform=PLATFORM,
            timestamp=_value(data, "Time", "timestamp"),
            extra={"media_owner": _value(data, "Media Owner", "value")},
            max_chars=max_chars,
        )
