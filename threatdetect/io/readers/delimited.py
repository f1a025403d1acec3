"""CSV and TSV, streamed row by row.

The first row is the header. The delimiter of a CSV is sniffed (csv.Sniffer) on the first 64 KiB
among `, ; | tab`, and checked against the header: when the sniffed delimiter does not give a header
with the text column, a candidate that does wins (Dutch Excel writes `;`). The quote character is
always `"` (RFC 4180, what Excel and pandas write): the sniffer likes to pick `'`, which Dutch text
is full of ('s avonds, zo'n). TSV is always tab-separated.

Encoding: UTF-8 (a byte-order mark is dropped). When the first 64 KiB are not UTF-8 the whole file
is read as cp1252 (Windows Excel) and a warning is logged. A line that still fails to decode makes
its row a `Rejected`. Blank lines are not records. Line numbers are physical lines, so a text with a
newline inside quotes moves the next row's line number on by two.
"""

from __future__ import annotations

import codecs
import csv
import logging
from collections.abc import Iterator
from pathlib import Path

from threatdetect.io.readers.fields import generic_message, missing_field_reason, snippet
from threatdetect.io.readers.files import HEAD_BYTES, open_binary, read_head
from threatdetect.io.records import InputError, Message, Rejected

logger = logging.getLogger(__name__)

CANDIDATE_DELIMITERS = ",;|\t"
FALLBACK_ENCODING = "cp1252"


def _is_utf8(head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, head: bytes) -> str:
    if _is_utf8(head):
        return "utf-8"
    logger.warning(
        "%s is not UTF-8; reading it as %s (Windows). Save it as UTF-8 to be sure every "
        "character is read right.",
        path,
        FALLBACK_ENCODING,
    )
    return FALLBACK_ENCODING


def _first_line(sample: str) -> str:
    return sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""


def _delimiter(sample: str, text_field: str, path: Path) -> str:
    """The sniffed delimiter, unless another candidate is the only one that gives the text column."""
    header = _first_line(sample)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CANDIDATE_DELIMITERS).delimiter
    except csv.Error:
        sniffed = max(CANDIDATE_DELIMITERS, key=header.count)
    by_count = sorted(CANDIDATE_DELIMITERS, key=header.count, reverse=True)
    for delimiter in (sniffed, *by_count):
        if text_field in _header_row(header, delimiter):
            return delimiter
    return sniffed


def _header_row(line: str, delimiter: str) -> list[str]:
    return [name.strip() for name in next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])]


class _Lines:
    """Decoded lines for csv.reader, remembering which physical lines failed to decode."""

    def __init__(self, handle, encoding: str) -> None:
        self.handle, self.encoding = handle, encoding
        self.bad: dict[int, str] = {}
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.number += 1
            if self.number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield raw.decode(self.encoding)
            except UnicodeDecodeError as error:
                self.bad[self.number] = (
                    f"bytes that are not valid {self.encoding} on line {self.number} "
                    f"at column {error.start + 1}; save the file as UTF-8"
                )
                yield raw.decode(self.encoding, "replace")


def check_delimited(path: Path, fmt: str, text_field: str) -> tuple[str, str]:
    """Raise InputError for an empty file or a header without the text column; else (encoding, delimiter)."""
    head = read_head(path, HEAD_BYTES)
    encoding = _encoding(path, head)
    sample = head.decode(encoding, "replace")
    if not sample.strip():
        raise InputError(str(path), "the file is empty; a CSV needs a header row naming the columns")
    delimiter = "\t" if fmt == "tsv" else _delimiter(sample, text_field, path)
    header = _header_row(_first_line(sample), delimiter)
    if text_field not in header:
        raise InputError(
            str(path), missing_field_reason(text_field, header, "the header row"), line=1, field=text_field
        )
    return encoding, delimiter


def iter_delimited(
    path: Path, encoding: str, delimiter: str, text_field: str, id_field: str
) -> Iterator[Message | Rejected]:
    source = str(path)
    with open_binary(path) as handle:
        lines = _Lines(handle, encoding)
        reader = csv.reader(iter(lines), delimiter=delimiter, quotechar='"', doublequote=True)
        header: list[str] | None = None
        number = 0
        previous_end = 0
        while True:
            start = previous_end + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                previous_end = reader.line_num
                number += 1
                yield Rejected(
                    source,
                    number,
                    f"a row the CSV parser cannot read ({error}); a quote opened and never closed?",
                    start,
                    None,
                    None,
                )
                continue
            previous_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line: not a record
            if header is None:
                header = [name.strip() for name in row]
                continue
            number += 1
            raw = delimiter.join(row)
            bad = [lines.bad[n] for n in range(start, previous_end + 1) if n in lines.bad]
            if bad:
                yield Rejected(source, number, bad[0], start, None, snippet(raw))
                continue
            if len(row) != len(header):
                yield Rejected(
                    source,
                    number,
                    f"the row has {len(row)} fields, the header has "
                    f"{len(header)}; put text that contains '{_shown(delimiter)}' or a "
                    "line break between double quotes",
                    start,
                    None,
                    snippet(raw),
                )
                continue
            yield generic_message(
                dict(zip(header, row, strict=True)),
                source=source,
                number=number,
                line=start,
                text_field=text_field,
                id_field=id_field,
                raw=raw,
            )


def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter
