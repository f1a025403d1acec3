"""Facebook "Download your information" (JSON): comments and Messenger threads.

- comments (`comments_and_reactions/comments.json`): `{"comments_v2": [{"timestamp", "title",
  "data": [{"comment": {"comment", "author", "timestamp"}}]}]}`; older exports say `comments`.
- messages (`messages/inbox/<thread>/message_1.json`): `{"participants": [...], "messages":
  [{"sender_name", "timestamp_ms", "content"}]}`. Photos, stickers and calls have no `content`:
  they become `Rejected` ("no text"), so the counts still add up.

Facebook writes each UTF-8 byte as its own `\\u00XX` escape; every string is repaired (see mojibake).
Facebook gives no ids or links here, so `id` is the record number and `url` stays empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from threatdetect.io.readers.fields import MAX_TEXT_CHARS, platform_message, snippet
from threatdetect.io.readers.json_array import load_json
from threatdetect.io.readers.mojibake import repair_strings
from threatdetect.io.records import InputError, Message, Rejected

PLATFORM = "facebook"
COMMENT_KEYS = ("comments_v2", "comments")


def is_facebook(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    return any(isinstance(document.get(key), list) for key in COMMENT_KEYS) or (
        isinstance(document.get("messages"), list) and "participants" in document
    )


def load_facebook(path: Path) -> dict[str, Any]:
    document = load_json(path)
    if not is_facebook(document):
        found = ", ".join(list(document)[:8]) if isinstance(document, dict) else type(document).__name__
        raise InputError(
            str(path),
            "not a Facebook comments or messages file: expected 'comments_v2' or "
            f"'participants' and 'messages' at the top (found: {found})",
        )
    return repair_strings(document)


def _comment(item: Any, source: str, number: int, max_chars: int) -> Message | Rejected:
    if not isinstance(item, dict):
        return Rejected(source, number, "a comment entry that is not an object", None, None, snippet(item))
    data = item.get("data")
    entries = data if isinstance(data, list) else []
    comment = next((d["comment"] for d in entries if isinstance(d, dict) and "comment" in d), None)
    if not isinstance(comment, dict) or "comment" not in comment:
        return Rejected(
            source,
            number,
            "no text in this comment (a photo or sticker only?)",
            None,
            "comment",
            snippet(item),
        )
    return platform_message(
        comment["comment"],
        source=source,
        number=number,
        field="comment",
        raw=item,
        platform=PLATFORM,
        author=comment.get("author"),
        timestamp=comment.get("timestamp") or item.get("timestamp"),
        extra={"title": item.get("title"), "group": comment.get("group")},
        max_chars=max_chars,
    )


def _message(item: Any, source: str, number: int, thread: Any, max_chars: int) -> Message | Rejected:
    if not isinstance(item, dict):
        return Rejected(source, number, "a message entry that is not an object", None, None, snippet(item))
    if "content" not in item:
        return Rejected(
            source,
            number,
            "no text in this message (a photo, sticker or call?)",
            None,
            "content",
            snippet(item),
        )
    return platform_message(
        item["content"],
        source=source,
        number=number,
        field="content",
        raw=item,
        platform=PLATFORM,
        author=item.get("sender_name"),
        timestamp=item.get("timestamp_ms"),
        extra={"thread": thread},
        max_chars=max_chars,
    )


def iter_facebook(
    path: Path, document: dict[str, Any], max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    key = next((k for k in COMMENT_KEYS if isinstance(document.get(k), list)), None)
    if key is not None:
        for number, item in enumerate(document[key], start=1):
            yield _comment(item, source, number, max_chars)
        return
    thread = document.get("thread_path") or document.get("title")
    for number, item in enumerate(document["messages"], start=1):
        yield _message(item, source, number, thread, max_chars)
