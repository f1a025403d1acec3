"""Read message dumps: `read_messages(path)` streams `Message` and `Rejected` records.

One module per format; this one picks the reader. Fatal problems (missing or unreadable file,
unknown format, no text field in the first record or header) raise `InputError` when
`read_messages` is called, before the first record is asked for; everything after that is per
record: bad records come out as `Rejected` and reading goes on.

`text_field` and `id_field` apply to generic files (JSONL, CSV, TSV, JSON, Parquet); platform
exports (X, Facebook, Instagram) have fixed fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from threatdetect.io.readers.delimited import check_delimited, iter_delimited
from threatdetect.io.readers.detect import FORMATS, detect_format, normalise_format
from threatdetect.io.readers.facebook import iter_facebook, load_facebook
from threatdetect.io.readers.fields import MAX_TEXT_CHARS, TOO_DEEP
from threatdetect.io.readers.files import check_readable
from threatdetect.io.readers.instagram import iter_instagram, load_instagram
from threatdetect.io.readers.json_array import check_json_array, iter_json_array
from threatdetect.io.readers.jsonl import check_jsonl, iter_jsonl
from threatdetect.io.readers.parquet import check_parquet, iter_parquet
from threatdetect.io.readers.x_archive import iter_x_archive, load_archive
from threatdetect.io.records import InputError, Message, Rejected

Records = Iterator[Message | Rejected]


def _jsonl(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    check_jsonl(path, text_field)
    return iter_jsonl(path, text_field, id_field, max_chars)


def _csv(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_delimited(path, check_delimited(path, "csv", text_field), text_field, id_field, max_chars)


def _tsv(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_delimited(path, check_delimited(path, "tsv", text_field), text_field, id_field, max_chars)


def _json(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_json_array(path, check_json_array(path, text_field), text_field, id_field, max_chars)


def _parquet(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    check_parquet(path, text_field)
    return iter_parquet(path, text_field, id_field, max_chars)


def _x(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_x_archive(path, *load_archive(path), max_chars)


def _facebook(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_facebook(path, load_facebook(path), max_chars)


def _instagram(path: Path, text_field: str, id_field: str, max_chars: int) -> Records:
    return iter_instagram(path, load_instagram(path), max_chars)


READERS: dict[str, Callable[[Path, str, str, int], Records]] = {
    "jsonl": _jsonl,
    "csv": _csv,
    "tsv": _tsv,
    "json": _json,
    "parquet": _parquet,
    "x": _x,
    "facebook": _facebook,
    "instagram": _instagram,
}


def _too_deep_is_fatal(path: Path, records: Records) -> Records:
    """Deeply nested JSON that got past the parser (it nests deeper than the code walking it can)
    is one clear InputError, never a RecursionError traceback."""
    try:
        yield from records
    except RecursionError as error:
        raise InputError(str(path), TOO_DEEP) from error


def read_messages(
    path: Path,
    fmt: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    max_chars: int = MAX_TEXT_CHARS,
) -> Iterator[Message | Rejected]:
    """Stream the messages of one dump, in input order; raises InputError at once if it is unusable.

    `fmt` forces a format (see FORMATS); by default it is detected from the extension or content.
    Texts longer than `max_chars` characters are rejected.
    """
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    path = Path(path)
    check_readable(path)
    name = normalise_format(fmt, path) if fmt else detect_format(path)
    try:
        records = READERS[name](path, text_field, id_field, max_chars)
    except RecursionError as error:
        raise InputError(str(path), TOO_DEEP) from error
    return _too_deep_is_fatal(path, records)


__all__ = ["FORMATS", "MAX_TEXT_CHARS", "READERS", "detect_format", "read_messages"]
