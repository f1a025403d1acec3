"""Which reader a file needs: from `--format`, else its extension, else its first bytes.

The first bytes are read as text after a byte-order mark, so a UTF-16 file (Excel's "Unicode text"
export, usually named .txt) is told apart like any other.
"""

from __future__ import annotations

import json
from pathlib import Path

from threatdetect.io.readers.decoding import head_text
from threatdetect.io.readers.files import check_readable, read_head
from threatdetect.io.records import InputError

FORMATS = ("jsonl", "csv", "tsv", "json", "parquet", "x", "facebook", "instagram")
ALIASES = {"ndjson": "jsonl", "jsonlines": "jsonl", "twitter": "x", "parq": "parquet"}
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".js": "x",
    ".zip": "x",
}
_HINT = f"name it with --format ({', '.join(FORMATS)})"


def normalise_format(fmt: str, path: Path) -> str:
    name = ALIASES.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in FORMATS:
        raise InputError(str(path), f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    return name


def _first_line_object(text: str) -> bool:
    first = text.split("\n", 1)[0].strip()
    try:
        return isinstance(json.loads(first, strict=False), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


def _json_kind(head: bytes) -> str:
    """json, jsonl, facebook or instagram, from the first bytes of a JSON-ish file."""
    text = head_text(head).lstrip()
    if text.startswith("["):
        return "instagram" if '"string_map_data"' in text else "json"
    if '"comments_v2"' in text or ('"participants"' in text and '"messages"' in text):
        return "facebook"
    if '"comments_media_comments"' in text or '"comments_reels_comments"' in text:
        return "instagram"
    rest = text.split("\n", 1)[1].strip() if "\n" in text else ""
    if _first_line_object(text) and rest.startswith("{"):
        return "jsonl"
    return "json"


def _sniff(path: Path, head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "x"
    stripped = head_text(head).lstrip(" \t\r\n")
    if not stripped:
        raise InputError(str(path), f"the file is empty, so its format cannot be told; {_HINT}")
    if stripped.startswith("window.YTD."):
        return "x"
    if stripped[:1] in ("{", "["):
        return _json_kind(head)
    header = stripped.split("\n", 1)[0]
    if "\x00" not in header and any(d in header for d in (",", ";", "\t")):
        return "tsv" if header.count("\t") > max(header.count(","), header.count(";")) else "csv"
    raise InputError(str(path), f"cannot tell the format of this file; {_HINT}")


def is_x_folder(path: Path) -> bool:
    root = path / "data" if (path / "data").is_dir() else path
    return any((root / name).is_file() for name in ("tweets.js", "tweet.js", "direct-messages.js"))


def detect_format(path: Path) -> str:
    """The format name for `path`; InputError when the file is missing or its format unknown."""
    check_readable(path)
    if path.is_dir():
        if is_x_folder(path):
            return "x"
        raise InputError(str(path), "is a folder without an X archive (data/tweets.js); name a file in it")
    suffix = path.suffix.lower()
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    head = read_head(path)
    if suffix == ".json":
        return _json_kind(head)
    return _sniff(path, head)
