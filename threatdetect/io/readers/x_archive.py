"""X (Twitter) archives: the .zip as downloaded, its unpacked folder, or one of its .js files.

Each data file is JavaScript: `window.YTD.tweets.part0 = [...]`; after the prefix it is JSON. Tweets
(`data/tweets.js`, large archives split it into `tweets-part1.js`, ...) hold `{"tweet": {...}}`
entries; direct messages (`data/direct-messages.js`, `direct-messages-group.js`) hold conversations
of `messageCreate` events. Other events (reactions, joins) are not messages and are not records.
`data/account.js`, when present, names the account: it becomes the author of the tweets, and of the
direct messages it sent. Tweet texts are HTML-escaped in the archive (`&amp;`, `&lt;`, `&gt;`); they
are unescaped so the text is what was typed. Record numbers run on across files: tweets first.
Data files are loaded whole when `read_messages` is called, so a broken file fails before scoring.
"""

from __future__ import annotations

import codecs
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatdetect.io.readers.decoding import decode
from threatdetect.io.readers.fields import MAX_TEXT_CHARS, TOO_DEEP, platform_message, snippet
from threatdetect.io.readers.files import open_binary
from threatdetect.io.records import InputError, Message, Rejected

PLATFORM = "x"
PERMALINK = "https://x.com/i/web/status/{id}"
MESSAGE_KINDS = ("tweet", "direct_messages")
_PREFIX_RE = re.compile(rb"^\s*window\.YTD\.(\w+)\.part\d+\s*=\s*")
_TWEETS_RE = re.compile(r"(?:^|/)tweets?(?:-part\d+)?\.js$")
_DMS_RE = re.compile(r"(?:^|/)direct-messages(?:-group)?(?:-part\d+)?\.js$")
_ACCOUNT_RE = re.compile(r"(?:^|/)account\.js$")


@dataclass
class DataFile:
    """One archive data file, decoded: `kind` is the YTD name (tweets, direct_messages, ...)."""

    name: str
    kind: str
    entries: list[Any]


def _decode(source: str, name: str, data: bytes) -> DataFile:
    match = _PREFIX_RE.match(data)
    if match is None:
        raise InputError(
            source,
            f"{name} does not start with 'window.YTD.<name>.part0 = '; is this an X archive data file?",
        )
    body = data[match.end() :]
    try:
        # Lenient like the other JSON readers: undecodable bytes are replaced per message, with a
        # warning; raw control characters inside strings are accepted.
        entries = json.loads(decode(body.removeprefix(codecs.BOM_UTF8), "utf-8"), strict=False)
    except json.JSONDecodeError as error:
        raise InputError(
            source,
            f"{name} is damaged: not valid JSON after the prefix ({error}); download the archive again",
            line=error.lineno,
        ) from error
    except RecursionError as error:
        raise InputError(source, f"{name} is damaged: {TOO_DEEP}") from error
    if not isinstance(entries, list):
        raise InputError(source, f"{name}: expected a list after the prefix, found {type(entries).__name__}")
    return DataFile(name, match.group(1).decode("ascii"), entries)


def _wanted(names: list[str]) -> list[str]:
    tweets = sorted(n for n in names if _TWEETS_RE.search(n) and "/deleted" not in n)
    dms = sorted(n for n in names if _DMS_RE.search(n))
    return tweets + dms


def _read_zip(path: Path) -> tuple[list[DataFile], DataFile | None]:
    source = str(path)
    open_binary(path).close()
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            wanted = _wanted(names)
            if not wanted:
                raise InputError(
                    source, "no data/tweets.js or data/direct-messages.js in this zip; is it an X archive?"
                )
            files = [_decode(source, name, archive.read(name)) for name in wanted]
            account = next((n for n in names if _ACCOUNT_RE.search(n)), None)
            return files, _decode(source, account, archive.read(account)) if account else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError) as error:
        raise InputError(source, f"not a readable zip file ({error}); download the archive again") from error
    except (NotImplementedError, RuntimeError) as error:  # an unsupported compression method, encryption
        raise InputError(
            source, f"cannot unpack this zip file ({error}); unpack it and name the folder"
        ) from error


def _read_file(path: Path, name: str) -> DataFile:
    with open_binary(path) as handle:
        return _decode(str(path), name, handle.read())


def _read_folder(path: Path) -> tuple[list[DataFile], DataFile | None]:
    root = path / "data" if (path / "data").is_dir() else path
    names = [p.name for p in root.iterdir() if p.is_file()]
    wanted = _wanted(names)
    if not wanted:
        raise InputError(
            str(path),
            "no data/tweets.js or data/direct-messages.js in this folder; is it an unpacked X archive?",
        )
    account = root / "account.js"
    return (
        [_read_file(root / name, name) for name in wanted],
        _read_file(account, "account.js") if account.is_file() else None,
    )


def load_archive(path: Path) -> tuple[list[DataFile], dict[str, str]]:
    """The archive's message data files and its account ({'username', 'accountId'} when known)."""
    if path.is_dir():
        files, account_file = _read_folder(path)
    elif zipfile.is_zipfile(path):
        files, account_file = _read_zip(path)
    else:
        files = [_read_file(path, path.name)]
        if not files[0].kind.startswith(MESSAGE_KINDS):
            raise InputError(
                str(path),
                f"{path.name} holds {files[0].kind}, not messages; read tweets.js, "
                "direct-messages.js, or the whole archive (.zip or folder)",
            )
        sibling = path.parent / "account.js"
        account_file = _read_file(sibling, "account.js") if sibling.is_file() and sibling != path else None
    account: dict[str, str] = {}
    if account_file and account_file.entries and isinstance(account_file.entries[0], dict):
        details = account_file.entries[0].get("account")
        if isinstance(details, dict):
            account = {
                key: str(details[key])
                for key in ("username", "accountId")
                if isinstance(details.get(key), str | int) and details[key] != ""
            }
    return files, account


def _unescape(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _tweet(
    entry: Any, source: str, number: int, member: str, account: dict[str, str], max_chars: int
) -> Message | Rejected:
    tweet = entry.get("tweet", entry) if isinstance(entry, dict) else None
    if not isinstance(tweet, dict):
        return Rejected(
            source, number, f"{member}: an entry that is not a tweet object", None, None, snippet(entry)
        )
    field = "full_text" if "full_text" in tweet else "text"
    identifier = tweet.get("id_str") or tweet.get("id")
    if not isinstance(identifier, str | int):
        identifier = None  # a damaged entry: numbered instead, and no permalink
    return platform_message(
        _unescape(tweet.get(field)),
        source=source,
        number=number,
        field=field,
        raw=tweet,
        platform=PLATFORM,
        identifier=identifier,
        author=account.get("username"),
        timestamp=tweet.get("created_at"),
        url=PERMALINK.format(id=identifier) if identifier else None,
        extra={
            "member": member,
            "in_reply_to_screen_name": tweet.get("in_reply_to_screen_name"),
            "in_reply_to_status_id": tweet.get("in_reply_to_status_id_str"),
        },
        max_chars=max_chars,
    )


def _direct_messages(
    entry: Any, source: str, first: int, member: str, account: dict[str, str], max_chars: int
) -> Iterator[Message | Rejected]:
    conversation = entry.get("dmConversation") if isinstance(entry, dict) else None
    if not isinstance(conversation, dict):
        yield Rejected(
            source, first, f"{member}: an entry without a dmConversation", None, None, snippet(entry)
        )
        return
    number = first
    events = conversation.get("messages")
    for event in events if isinstance(events, list) else []:
        created = event.get("messageCreate") if isinstance(event, dict) else None
        if not isinstance(created, dict):
            continue  # reactions, joins and the like: not messages
        sender = created.get("senderId")
        author = (
            account.get("username", sender) if sender and str(sender) == account.get("accountId") else sender
        )
        yield platform_message(
            created.get("text"),
            source=source,
            number=number,
            field="text",
            raw=created,
            platform=PLATFORM,
            identifier=created.get("id"),
            author=author,
            timestamp=created.get("createdAt"),
            extra={
                "member": member,
                "conversation_id": conversation.get("conversationId"),
                "sender_id": sender,
                "recipient_id": created.get("recipientId"),
            },
            max_chars=max_chars,
        )
        number += 1


def iter_x_archive(
    path: Path, files: list[DataFile], account: dict[str, str], max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    number = 1
    for data_file in files:
        for entry in data_file.entries:
            if data_file.kind.startswith("direct_messages"):
                for record in _direct_messages(entry, source, number, data_file.name, account, max_chars):
                    number = record.record + 1
                    yield record
            else:
                yield _tweet(entry, source, number, data_file.name, account, max_chars)
                number += 1
