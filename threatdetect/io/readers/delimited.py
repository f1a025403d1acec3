"""CSV and TSV, streamed row by row.

The first row is the header. The delimiter of a CSV is sniffed (csv.Sniffer) on the first 64 KiB
among `, ; | tab`, and checked against the header: when the sniffed delimiter does not give a header
with the text column, a candidate that does wins (Dutch Excel writes `;`). The quote character is
always `"` (RFC 4180, what Excel and pandas write): the sniffer likes to pick `'`, which Dutch text
is full of ('s avonds, zo'n). TSV is always tab-separated.

Encoding: a byte-order mark decides (UTF-8, or UTF-16 as in Excel's "Unicode text" export, which
is UTF-16 LE TSV). Without one, UTF-8; when the first 64 KiB are not UTF-8 the whole file is read as
cp1252 (Windows Excel) and a warning is logged. Bytes that still do not decode are replaced, with a
warning on their message (see `decoding`). Blank lines are not records. Line numbers are physical
lines, so a text with a newline inside quotes moves the next row's line number on by two.

An unclosed quote costs only its own record. A quoted text may span lines, so the parser reads on
until the quote closes; when it does not close properly (the file ends first, or text follows the
closing quote, which a real multi-line text never has), the row where the quote opened is
rejected ("unclosed quote starting at line N") and reading starts again on the next line. Without
this, every record after the quote would silently become part of one message's text.
"""

from __future__ import annotations

import codecs
import csv
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from threatdetect.io.readers.decoding import bom_encoding, check_mostly_text, decode, open_text
from threatdetect.io.readers.fields import MAX_TEXT_CHARS, generic_message, missing_field_reason, snippet
from threatdetect.io.readers.files import HEAD_BYTES, read_head
from threatdetect.io.records import InputError, Message, Rejected

logger = logging.getLogger(__name__)

CANDIDATE_DELIMITERS = ",;|\t"
FALLBACK_ENCODING = "cp1252"
QUOTE = '"'


@dataclass(frozen=True)
class Layout:
    """How to read one delimited file: its encoding, the BOM bytes to skip, and the delimiter."""

    encoding: str
    bom: int
    delimiter: str


def _is_utf8(head: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is fine
    except UnicodeDecodeError:
        return False
    return True


def _encoding(path: Path, head: bytes) -> tuple[str, int]:
    """(encoding, BOM length)."""
    bom = bom_encoding(head)
    if bom is not None:
        return bom
    if _is_utf8(head):
        return "utf-8", 0
    logger.warning(
        "%s is not UTF-8; reading it as %s (Windows). Save it as UTF-8 to be sure every "
        "character is read right.",
        path,
        FALLBACK_ENCODING,
    )
    return FALLBACK_ENCODING, 0


def _first_line(sample: str) -> str:
    return sample.splitlines()[0] if sample.strip() else ""


def _delimiter(sample: str, text_field: str) -> str:
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
    try:
        return [name.strip() for name in next(csv.reader([line], delimiter=delimiter, quotechar=QUOTE), [])]
    except csv.Error:
        return []


def _header_quotes_close(line: str, delimiter: str) -> bool:
    return _closes_properly([line + "\n"], delimiter)


def check_delimited(path: Path, fmt: str, text_field: str) -> Layout:
    """Raise InputError for an empty or binary file or a header without the text column."""
    head = read_head(path, HEAD_BYTES)
    encoding, bom = _encoding(path, head)
    check_mostly_text(path, head[bom:], encoding)
    sample = decode(head[bom:], encoding)
    if not sample.strip():
        raise InputError(str(path), "the file is empty; a CSV needs a header row naming the columns")
    delimiter = "\t" if fmt == "tsv" else _delimiter(sample, text_field)
    first = _first_line(sample)
    header = _header_row(first, delimiter)
    if text_field not in header:
        raise InputError(
            str(path), missing_field_reason(text_field, header, "the header row"), line=1, field=text_field
        )
    if not _header_quotes_close(first, delimiter):
        raise InputError(str(path), "a quote in the header row does not close; fix the column names", line=1)
    return Layout(encoding, bom, delimiter)


class _Lines:
    """The file's lines for csv.reader, numbered, keeping the lines of the row being read.

    A row that turns out to hold an unclosed quote gives its lines after the first back (`replay`),
    so they are read again as rows of their own.
    """

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._count = 0
        self._replay: deque[tuple[int, str]] = deque()
        #: (line number, text) of every line the current row has used so far.
        self.row: list[tuple[int, str]] = []
        #: Whether the parser asked for a line after the last one: the file ended inside quotes.
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._replay:
            item = self._replay.popleft()
        else:
            try:
                text = next(self._handle)
            except StopIteration:
                self.ended = bool(self.row)
                raise
            self._count += 1
            item = (self._count, text)
        self.row.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        """The current row's lines; the next row starts afresh."""
        taken, self.row, self.ended = self.row, [], False
        return taken

    def replay(self, lines: list[tuple[int, str]]) -> None:
        self._replay.extendleft(reversed(lines))


def _closes_properly(lines: list[str], delimiter: str) -> bool:
    """Whether the quotes of a row that spans lines (or ends the file) open and close as CSV says."""
    try:
        list(csv.reader(lines, delimiter=delimiter, quotechar=QUOTE, strict=True))
    except csv.Error:
        return False
    return True


@dataclass
class _Row:
    fields: list[str] | None  # None when the parser could not read the row
    problem: str | None
    lines: list[tuple[int, str]]

    @property
    def line(self) -> int:
        return self.lines[0][0]

    @property
    def raw(self) -> str:
        return "".join(text for _, text in self.lines).rstrip("\r\n")


def _rows(lines: _Lines, delimiter: str, max_chars: int) -> Iterator[_Row]:
    """Every row with its physical lines; a row with an unclosed quote is cut back to its first line."""
    reader = csv.reader(lines, delimiter=delimiter, quotechar=QUOTE, doublequote=True)
    while True:
        try:
            fields, problem = next(reader), None
        except StopIteration:
            return
        except csv.Error as error:
            fields, problem = None, str(error)
            reader = csv.reader(lines, delimiter=delimiter, quotechar=QUOTE, doublequote=True)
        ended = lines.ended
        taken = lines.take()
        spans_lines = len(taken) > 1 or ended
        if spans_lines and (fields is None or not _closes_properly([t for _, t in taken], delimiter)):
            lines.replay(taken[1:])
            yield _Row(
                None,
                f"unclosed quote starting at line {taken[0][0]}: the quote that opens in this row "
                'never closes properly, so the row was read on its own. Put a text that contains " '
                'between double quotes and write each " inside it as ""',
                taken[:1],
            )
            continue
        if problem and "field limit" in problem:
            problem = (
                f"a field is longer than {max_chars:,} characters (the limit; raise it with --max-chars)"
            )
        elif problem:
            problem = f"a row the CSV parser cannot read ({problem})"
        yield _Row(fields, problem, taken)


def iter_delimited(
    path: Path, layout: Layout, text_field: str, id_field: str, max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    source = str(path)
    # csv refuses fields over its limit (128 KiB by default): let texts up to max_chars through.
    # The limit is process-wide; it only ever grows here.
    csv.field_size_limit(max(csv.field_size_limit(), max_chars + 1))
    with open_text(path, layout.encoding, layout.bom) as handle:
        header: list[str] | None = None
        number = 0
        for row in _rows(_Lines(handle), layout.delimiter, max_chars):
            if row.fields is not None and (
                not row.fields or (len(row.fields) == 1 and not row.fields[0].strip())
            ):
                continue  # blank line: not a record
            if header is None:
                if row.fields is None:
                    raise InputError(source, f"the header row cannot be read: {row.problem}", line=row.line)
                header = [name.strip() for name in row.fields]
                continue
            number += 1
            if row.fields is None:
                yield Rejected(source, number, row.problem or "", row.line, None, snippet(row.raw))
                continue
            if len(row.fields) != len(header):
                yield Rejected(
                    source,
                    number,
                    f"the row has {len(row.fields)} fields, the header has "
                    f"{len(header)}; put text that contains '{_shown(layout.delimiter)}' or a "
                    "line break between double quotes",
                    row.line,
                    None,
                    snippet(row.raw),
                )
                continue
            yield generic_message(
                dict(zip(header, row.fields, strict=True)),
                source=source,
                number=number,
                line=row.line,
                text_field=text_field,
                id_field=id_field,
                raw=row.raw,
                max_chars=max_chars,
            )


def _shown(delimiter: str) -> str:
    return "\\t" if delimiter == "\t" else delimiter
