"""Message dumps as Spark DataFrames of messages and rejected records (`score --engine spark`).

Each input, a file or a folder of part files in JSONL, CSV/TSV or Parquet, becomes a DataFrame with
one row per record (`spark_records.MESSAGE_SCHEMA`), in which the workers have applied the local
readers' record checks. Spark reads the files, so they may lie on any file system it reaches
(hdfs://, s3a://). Local paths are checked up front as the local engine checks them: a missing file
or text field fails before Spark starts.

Where Spark's readers differ from ours: files must be UTF-8 (a byte-order mark is fine); bytes that
are not UTF-8 are replaced in CSV without a warning on the message (JSONL and Parquet: with one, as
locally); CSV records carry no line number, and a CSV row with too many or too few fields is rejected
with a shorter reason. X, Facebook and Instagram exports and JSON arrays are read by the local engine
only.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from threatdetect.integrations.spark_records import (
    BLOCK_COLUMN,
    CORRUPT_COLUMN,
    FILE_COLUMN,
    MESSAGE_DDL,
    ROW_COLUMN,
    ReadSpec,
    count_blocks,
    message_batches,
)
from threatdetect.io.readers.decoding import bom_encoding
from threatdetect.io.readers.delimited import check_delimited
from threatdetect.io.readers.detect import EXTENSIONS, FORMATS, detect_format, normalise_format
from threatdetect.io.readers.fields import missing_field_reason
from threatdetect.io.readers.files import check_readable, read_head
from threatdetect.io.readers.jsonl import check_jsonl
from threatdetect.io.readers.parquet import check_parquet
from threatdetect.io.records import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The formats Spark reads for us; the others need the local engine.
SPARK_FORMATS = ("jsonl", "csv", "tsv", "parquet")
#: What to do with a file in another encoding.
_NOT_UTF8 = "text; the Spark engine reads UTF-8 only: save it as UTF-8, or score it with the local engine"

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
            raise InputError(str(first), f"{encoding[0]} {_NOT_UTF8}")
        check_jsonl(first, text_field)
    elif item.fmt == "parquet":
        check_parquet(first, text_field)
    else:
        layout = check_delimited(first, item.fmt, text_field)
        if layout.encoding != "utf-8":
            raise InputError(str(first), f"{layout.encoding} {_NOT_UTF8}")
        return DumpInput(item.order, item.given, item.uri, item.fmt, item.local, layout.delimiter)
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


@contextlib.contextmanager
def _reading(item: DumpInput) -> Iterator[None]:
    """Spark's errors about reading an input (not found, not readable as the format) as InputError."""
    from pyspark.errors import AnalysisException, IllegalArgumentException

    try:
        yield
    except (AnalysisException, IllegalArgumentException) as error:
        reason = str(error).split("\n", 1)[0]
        where = item.given if item.local is not None else item.uri
        raise InputError(where, f"Spark cannot read it as {item.fmt}: {reason}") from error


def message_frame(
    spark: SparkSession, item: DumpInput, *, text_field: str, id_field: str, max_chars: int
) -> DataFrame:
    """One input as MESSAGE_SCHEMA rows (lazy, except JSONL's counting pass)."""
    with _reading(item):
        raw, offsets = _raw_frame(spark, item, text_field)
    spec = ReadSpec(item.order, item.fmt, text_field, id_field, max_chars, offsets)
    return raw.mapInArrow(functools.partial(message_batches, spec), MESSAGE_DDL)


def _raw_frame(
    spark: SparkSession, item: DumpInput, text_field: str
) -> tuple[DataFrame, dict[tuple[str, int], tuple[int, int]]]:
    """What Spark reads of one input, with the file (and block or row) of every row."""
    offsets: dict[tuple[str, int], tuple[int, int]] = {}
    if item.fmt == "jsonl":
        raw = (
            spark.read.option("lineSep", "\n")
            .text(item.uri)
            .select("value", _metadata("file_path", FILE_COLUMN), _metadata("file_block_start", BLOCK_COLUMN))
        )
        offsets = _block_offsets(raw)
    elif item.fmt == "parquet":
        raw = spark.read.parquet(item.uri)
        if text_field not in raw.columns:
            raise InputError(item.given, missing_field_reason(text_field, raw.columns, "the Parquet columns"))
        raw = raw.select("*", _metadata("file_path", FILE_COLUMN), _metadata("row_index", ROW_COLUMN))
    else:
        reader = (
            spark.read.option("header", True)
            .option("multiLine", True)  # texts with line breaks; a file is then read whole, in order
            .option("sep", "\t" if item.fmt == "tsv" else item.delimiter)
            .option("quote", '"')
            .option("escape", '"')
        )
        header = reader.csv(item.uri).columns
        if text_field not in header:
            raise InputError(item.given, missing_field_reason(text_field, header, "the header row"), line=1)
        schema = ", ".join(f"`{name}` string" for name in [*header, CORRUPT_COLUMN])
        raw = (
            reader.schema(schema)
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT_COLUMN)
            .csv(item.uri)
            .select("*", _metadata("file_path", FILE_COLUMN))
        )
    return raw, offsets
