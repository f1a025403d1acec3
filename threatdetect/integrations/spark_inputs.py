"""Message dumps as Spark DataFrames of messages and rejected records (`score --engine spark`).

Each input, a file or a folder of part files in JSONL, CSV/TSV or Parquet, becomes a DataFrame with
one row per record (MESSAGE_SCHEMA). The local readers' own checks (`generic_message`, the JSONL line
parser, the Parquet row decoder) decide on the workers what is a message and what is rejected, and
why, so both engines reject the same records. Every row keeps where it came from as the local
readers say it: the file, the record's 1-based position in that file, and the line for JSONL.

Spark reads the files, so they may lie on any file system it reaches (hdfs://, s3a://). Local paths
are checked up front as the local engine checks them: a missing file or text field fails before
Spark starts.

Where Spark's readers differ from ours: files must be UTF-8 (CSV also cp1252); bytes that are not
UTF-8 are replaced in CSV without a warning on the message (JSONL and Parquet: with one, as locally);
CSV records carry no line number, and a CSV row with too many or too few fields is rejected with a
shorter reason. X, Facebook and Instagram exports and JSON arrays are read by the local engine only.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pyarrow as pa

from threatdetect.io.readers.decoding import bom_encoding, decode
from threatdetect.io.readers.delimited import check_delimited
from threatdetect.io.readers.detect import EXTENSIONS, FORMATS, detect_format, normalise_format
from threatdetect.io.readers.fields import generic_message, missing_field_reason, snippet
from threatdetect.io.readers.files import check_readable, read_head
from threatdetect.io.readers.jsonl import JSON_WHITESPACE, check_jsonl, parse_line
from threatdetect.io.readers.parquet import batch_rows, check_parquet
from threatdetect.io.records import InputError, Message, Rejected

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The formats Spark reads for us; the others need the local engine.
SPARK_FORMATS = ("jsonl", "csv", "tsv", "parquet")
#: Spark's names for the encodings the CSV check may find.
_SPARK_ENCODINGS = {"utf-8": "UTF-8", "cp1252": "windows-1252"}

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

# Internal columns added to what Spark reads; named so that no dump has them.
_FILE = "__threatdetect_file"
_BLOCK = "__threatdetect_block"
_ROW = "__threatdetect_row"
_CORRUPT = "__threatdetect_corrupt"
#: Why a CSV row that Spark could not split into the header's columns is rejected.
WRONG_FIELD_COUNT = (
    "the row has more or fewer fields than the header; put text that contains the delimiter or a "
    "line break between double quotes"
)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+")


@dataclass(frozen=True)
class DumpInput:
    """One input as Spark reads it, and how to name its files as the local engine would."""

    order: int
    given: str  # as the user wrote it
    uri: str  # what Spark reads
    fmt: str
    local: Path | None  # the resolved local path; None on other file systems
    delimiter: str = ","
    encoding: str = "UTF-8"

    def source(self, file_uri: str) -> str:
        """The `source` of a record of `file_uri` (as Spark names it) in outputs and errors."""
        if self.local is None:
            return file_uri
        path = Path(unquote(urlparse(file_uri).path))
        if not self.local.is_dir():
            return self.given
        try:
            return str(Path(self.given) / path.relative_to(self.local))
        except ValueError:
            return str(path)


def _uri(path: Path | str) -> tuple[str, Path | None]:
    """(what Spark reads, the local path or None). Typer's Path turned `hdfs://host/x` into
    `hdfs:/host/x`; the second slash is put back."""
    text = str(path)
    match = _SCHEME.match(text)
    if match is None:
        local = Path(text).resolve()
        return local.as_uri(), local
    if match[1].lower() == "file":
        local = Path(unquote(urlparse(text).path)).resolve()
        return local.as_uri(), local
    return f"{match[1]}://{text[match.end() :]}", None


def _data_files(folder: Path) -> list[Path]:
    """The files Spark reads in a folder: not hidden, not `_SUCCESS` and the like, in subfolders too."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(part.startswith(("_", ".")) for part in path.relative_to(folder).parts)
    )


def _local_format(path: Path) -> str:
    name = detect_format(path)
    if name == "json" and not read_head(path, 1024).lstrip().startswith(b"["):
        return "jsonl"  # Spark writes JSON Lines as part-*.json
    return name


def _check_local(item: DumpInput, text_field: str) -> DumpInput:
    """The local engine's up-front checks on the first data file; CSV layout from its sniffing."""
    assert item.local is not None
    files = _data_files(item.local) if item.local.is_dir() else [item.local]
    if not files:
        raise InputError(item.given, "the folder holds no data files")
    first = files[0]
    if item.fmt == "jsonl":
        encoding = bom_encoding(read_head(first, 4))
        if encoding is not None and encoding[0] != "utf-8":
            raise InputError(
                str(first), f"{encoding[0]} text; the Spark engine reads UTF-8: convert it first"
            )
        check_jsonl(first, text_field)
    elif item.fmt == "parquet":
        check_parquet(first, text_field)
    else:
        layout = check_delimited(first, item.fmt, text_field)
        if layout.encoding not in _SPARK_ENCODINGS:
            raise InputError(
                str(first), f"{layout.encoding} text; the Spark engine reads UTF-8: convert it first"
            )
        return DumpInput(
            item.order,
            item.given,
            item.uri,
            item.fmt,
            item.local,
            layout.delimiter,
            _SPARK_ENCODINGS[layout.encoding],
        )
    return item


def plan_inputs(paths: list[Path | str], fmt: str | None, text_field: str) -> list[DumpInput]:
    """Each input with its format; InputError for what Spark cannot read or the checks refuse."""
    plans = []
    for order, path in enumerate(paths):
        uri, local = _uri(path)
        if local is not None:
            check_readable(local)
        if fmt:
            name = normalise_format(fmt, Path(str(path)))
        elif local is not None:
            files = _data_files(local) if local.is_dir() else [local]
            if not files:
                raise InputError(str(path), "the folder holds no data files")
            name = _local_format(files[0])
        else:
            suffix = Path(urlparse(uri).path).suffix.lower()
            name = "jsonl" if suffix == ".json" else EXTENSIONS.get(suffix, "")
            if not name:
                raise InputError(uri, f"name the format with --format ({', '.join(SPARK_FORMATS)})")
        if name not in SPARK_FORMATS:
            unsupported = name if name in FORMATS else fmt
            raise InputError(
                str(path),
                f"the Spark engine reads {', '.join(SPARK_FORMATS)}, not {unsupported}; score it with the "
                "local engine",
            )
        item = DumpInput(order, str(path), uri, name, local)
        plans.append(_check_local(item, text_field) if local is not None else item)
    return plans


# --- On the workers ------------------------------------------------------------------------------


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
    columns = (batch.column(name).to_pylist() for name in (_FILE, _BLOCK))
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
    files = batch.column(_FILE).to_pylist()
    internal = [name for name in (_FILE, _BLOCK, _ROW, _CORRUPT) if name in batch.schema.names]
    corrupt = batch.column(_CORRUPT).to_pylist() if _CORRUPT in internal else [None] * batch.num_rows
    indices = batch.column(_ROW).to_pylist() if _ROW in internal else None
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
        columns = (batch.column(name).to_pylist() for name in (_FILE, _BLOCK))
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


# --- On the driver -------------------------------------------------------------------------------


def _block_offsets(raw: DataFrame) -> dict[tuple[str, int], tuple[int, int]]:
    counts = raw.mapInArrow(count_blocks, "file string, block long, lines long, records long").collect()
    per_file: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for row in counts:
        per_file[row.file].append((row.block, row.lines, row.records))
    offsets = {}
    for file, blocks in per_file.items():
        lines = records = 0
        for block, block_lines, block_records in sorted(blocks):
            offsets[(file, block)] = (lines, records)
            lines, records = lines + block_lines, records + block_records
    return offsets


def _metadata(name: str, alias: str):
    from pyspark.sql import functions as F

    return F.col(f"_metadata.{name}").alias(alias)


def message_frame(
    spark: SparkSession, item: DumpInput, *, text_field: str, id_field: str, max_chars: int
) -> DataFrame:
    """One input as MESSAGE_SCHEMA rows (lazy, except JSONL's counting pass)."""
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    if item.fmt == "jsonl":
        raw = (
            spark.read.option("lineSep", "\n")
            .text(item.uri)
            .select("value", _metadata("file_path", _FILE), _metadata("file_block_start", _BLOCK))
        )
        offsets = _block_offsets(raw)
    elif item.fmt == "parquet":
        raw = spark.read.parquet(item.uri)
        if text_field not in raw.columns:
            raise InputError(item.given, missing_field_reason(text_field, raw.columns, "the Parquet columns"))
        raw = raw.select("*", _metadata("file_path", _FILE), _metadata("row_index", _ROW))
    else:
        reader = (
            spark.read.option("header", True)
            .option("multiLine", True)  # texts with line breaks; a file is then read whole, in order
            .option("sep", "\t" if item.fmt == "tsv" else item.delimiter)
            .option("quote", '"')
            .option("escape", '"')
            .option("encoding", item.encoding)
        )
        header = reader.csv(item.uri).columns
        if text_field not in header:
            raise InputError(item.given, missing_field_reason(text_field, header, "the header row"), line=1)
        schema = ", ".join(f"`{name}` string" for name in [*header, _CORRUPT])
        raw = (
            reader.schema(schema)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", _CORRUPT)
            .csv(item.uri)
            .select("*", _metadata("file_path", _FILE))
        )
    spec = ReadSpec(item.order, item.fmt, text_field, id_field, max_chars, offsets)
    return raw.mapInArrow(functools.partial(message_batches, spec), MESSAGE_DDL)
