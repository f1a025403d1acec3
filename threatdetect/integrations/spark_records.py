"""On the workers: the rows Spark read from a dump, turned into messages and rejected records.

The local readers' own checks decide (`generic_message`, the JSONL line parser `parse_line`, the
Parquet row decoder `batch_rows`), so both engines accept and reject the same records with the same
reasons. Positions are those of the local readers: a JSONL record's number counts the non-blank lines
before it in its file and its line all of them, across the blocks Spark splits the file into (the
offsets of each block come from a counting pass, `count_blocks`); a CSV file is read whole, in order;
Parquet has its row index.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from threatdetect.io.readers.decoding import decode
from threatdetect.io.readers.fields import generic_message, snippet
from threatdetect.io.readers.jsonl import JSON_WHITESPACE, parse_line
from threatdetect.io.readers.parquet import batch_rows
from threatdetect.io.records import Message, Rejected

#: One row per input record: a message (`rejected` false) or a rejected record with its reason.
MESSAGE_SCHEMA = pa.schema(
    [
        pa.field("order", pa.int32()),
        pa.field("source", pa.string()),
        pa.field("record", pa.int64()),
        pa.field("line", pa.int64()),
        pa.field("rejected", pa.bool_()),
        pa.field("id", pa.string()),
        pa.field("text", pa.string()),
        pa.field("author", pa.string()),
        pa.field("timestamp", pa.string()),
        pa.field("url", pa.string()),
        pa.field("warnings", pa.list_(pa.string())),
        pa.field("reason", pa.string()),
        pa.field("field", pa.string()),
        pa.field("raw", pa.string()),
    ]
)
MESSAGE_DDL = (
    "order int, source string, record long, line long, rejected boolean, id string, text string, "
    "author string, timestamp string, url string, warnings array<string>, reason string, "
    "field string, raw string"
)

# Columns added to what Spark reads (the file, the block or row within it, CSV rows Spark could not
# split); named so that no dump has them.
FILE_COLUMN = "__threatdetect_file"
BLOCK_COLUMN = "__threatdetect_block"
ROW_COLUMN = "__threatdetect_row"
CORRUPT_COLUMN = "__threatdetect_corrupt"
#: Why a CSV row that Spark could not split into the header's columns is rejected.
WRONG_FIELD_COUNT = (
    "the row has more or fewer fields than the header; put text that contains the delimiter or a "
    "line break between double quotes"
)


@dataclass(frozen=True)
class ReadSpec:
    """What the workers need to turn one input's rows into messages."""

    order: int
    fmt: str
    text_field: str
    id_field: str
    max_chars: int
    #: JSONL: (lines, records) before each (file, block) of the file, from the counting pass.
    offsets: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)


def _jsonl_line(text: str, first_in_file: bool) -> str | None:
    """A JSONL line as the local reader sees it, or None for a blank line (not a record)."""
    text = text.rstrip("\r\n")
    if first_in_file:
        text = text.removeprefix("\ufeff")
    return text if text.strip(JSON_WHITESPACE) else None


def _lines(batch: pa.RecordBatch) -> list[str]:
    """The JSONL lines of a batch; Spark's text reader passes bytes that are not UTF-8 on as they are,
    and they are kept as the local reader keeps them (`decode`), to be replaced with a warning."""
    try:
        return batch.column("value").to_pylist()
    except UnicodeDecodeError:
        return [decode(raw, "utf-8") for raw in batch.column("value").cast(pa.large_binary()).to_pylist()]


def _row(spec: ReadSpec, record: Message | Rejected) -> dict[str, Any]:
    row: dict[str, Any] = {
        "order": spec.order,
        "source": record.source,
        "record": record.record,
        "line": record.line,
    }
    if isinstance(record, Rejected):
        return {**row, "rejected": True, "reason": record.reason, "field": record.field, "raw": record.raw}
    return {
        **row,
        "rejected": False,
        "id": record.id,
        "text": record.text,
        "author": record.author,
        "timestamp": record.timestamp,
        "url": record.url,
        "warnings": list(record.warnings),
    }


def _jsonl_records(spec: ReadSpec, batch: pa.RecordBatch, seen: Counter) -> Iterator[Message | Rejected]:
    columns = (batch.column(name).to_pylist() for name in (FILE_COLUMN, BLOCK_COLUMN))
    for value, file, block in zip(_lines(batch), *columns, strict=True):
        lines_before, records_before = spec.offsets[(file, block)]
        seen[(file, block, "lines")] += 1
        line = lines_before + seen[(file, block, "lines")]
        text = _jsonl_line(value, line == 1)
        if text is None:
            continue
        seen[(file, block, "records")] += 1
        number = records_before + seen[(file, block, "records")]
        parsed, problem = parse_line(text)
        if problem:
            yield Rejected(file, number, problem, line, None, snippet(text))
            continue
        yield generic_message(
            parsed,
            source=file,
            number=number,
            line=line,
            text_field=spec.text_field,
            id_field=spec.id_field,
            raw=text,
            max_chars=spec.max_chars,
        )


def _table_records(spec: ReadSpec, batch: pa.RecordBatch, seen: Counter) -> Iterator[Message | Rejected]:
    """CSV/TSV and Parquet rows; CSV positions count on from earlier batches (a file is not split)."""
    files = batch.column(FILE_COLUMN).to_pylist()
    internal = [
        name for name in (FILE_COLUMN, BLOCK_COLUMN, ROW_COLUMN, CORRUPT_COLUMN) if name in batch.schema.names
    ]
    corrupt = (
        batch.column(CORRUPT_COLUMN).to_pylist() if CORRUPT_COLUMN in internal else [None] * batch.num_rows
    )
    indices = batch.column(ROW_COLUMN).to_pylist() if ROW_COLUMN in internal else None
    rows = batch_rows(batch.drop_columns(internal))
    for position, (file, row) in enumerate(zip(files, rows, strict=True)):
        if indices is not None:
            number = indices[position] + 1
        else:
            seen[file] += 1
            number = seen[file]
        if corrupt[position] is not None:
            yield Rejected(file, number, WRONG_FIELD_COUNT, None, None, snippet(corrupt[position]))
            continue
        if spec.fmt != "parquet":  # CSV has no nulls: Spark's null is an empty cell
            row = {name: "" if value is None else value for name, value in row.items()}
        yield generic_message(
            row,
            source=file,
            number=number,
            line=None,
            text_field=spec.text_field,
            id_field=spec.id_field,
            raw=row,
            max_chars=spec.max_chars,
        )


def message_batches(spec: ReadSpec, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The `mapInArrow` function from what Spark read to MESSAGE_SCHEMA rows."""
    seen: Counter = Counter()
    read = _jsonl_records if spec.fmt == "jsonl" else _table_records
    for batch in batches:
        rows = [_row(spec, record) for record in read(spec, batch, seen)]
        if rows:
            yield pa.RecordBatch.from_pylist(rows, schema=MESSAGE_SCHEMA)


def count_blocks(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Lines and records (non-blank lines) per (file, block) of a JSONL file, as `_jsonl_records`
    counts them."""
    counts: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for batch in batches:
        columns = (batch.column(name).to_pylist() for name in (FILE_COLUMN, BLOCK_COLUMN))
        for value, file, block in zip(_lines(batch), *columns, strict=True):
            count = counts[(file, block)]
            count[1] += _jsonl_line(value, block == 0 and count[0] == 0) is not None
            count[0] += 1
    yield pa.RecordBatch.from_pylist(
        [{"file": f, "block": b, "lines": n[0], "records": n[1]} for (f, b), n in counts.items()],
        schema=pa.schema(
            [("file", pa.string()), ("block", pa.int64()), ("lines", pa.int64()), ("records", pa.int64())]
        ),
    )
