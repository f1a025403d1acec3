"""Parquet, read one record batch at a time with pyarrow so memory stays flat.

A string column should hold UTF-8, but a writer may have put other bytes there: those batches are
decoded column by column, the bad bytes replaced with a warning on the message, as in the text
readers. A file whose data cannot be read at all past some point is an InputError at that point.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from threatdetect.io.readers.decoding import decode
from threatdetect.io.readers.fields import MAX_TEXT_CHARS, generic_message, missing_field_reason
from threatdetect.io.readers.files import open_binary
from threatdetect.io.records import InputError, Message, Rejected

BATCH_ROWS = 1024


def _open(path: Path):
    import pyarrow.parquet as pq
    from pyarrow import ArrowException

    open_binary(path).close()  # missing or unreadable files get the usual people-facing errors
    try:
        return pq.ParquetFile(path)
    except (ArrowException, OSError) as error:
        raise InputError(
            str(path),
            f"not a readable Parquet file ({error}); name the format with --format if it is something else",
        ) from error


def check_parquet(path: Path, text_field: str) -> None:
    """Raise InputError unless the file is Parquet with a column named like the text field."""
    names = _open(path).schema_arrow.names
    if text_field not in names:
        raise InputError(
            str(path), missing_field_reason(text_field, names, "the Parquet columns"), field=text_field
        )


def batch_rows(batch) -> list[dict]:
    """The batch's rows as dicts; string columns with bytes that are not UTF-8 decoded leniently."""
    import pyarrow as pa

    try:
        return batch.to_pylist()
    except UnicodeDecodeError:
        pass
    columns: dict[str, list] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            raw = column.cast(pa.large_binary()).to_pylist()
            columns[name] = [None if value is None else decode(value, "utf-8") for value in raw]
        else:
            columns[name] = column.to_pylist()  # strings nested in lists or structs: not repaired
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def iter_parquet(
    path: Path, text_field: str, id_field: str, max_chars: int = MAX_TEXT_CHARS
) -> Iterator[Message | Rejected]:
    from pyarrow import ArrowException

    source = str(path)
    number = 0
    batches = _open(path).iter_batches(batch_size=BATCH_ROWS)
    while True:
        try:
            batch = next(batches, None)
            rows = [] if batch is None else batch_rows(batch)
        except (ArrowException, OSError, UnicodeDecodeError) as error:
            # Metadata read fine, the data does not: the rest of the file is lost, and says so.
            raise InputError(
                source, f"the file is damaged after record {number:,}: {error}; export it again"
            ) from error
        if batch is None:
            return
        for row in rows:
            number += 1
            yield generic_message(
                row,
                source=source,
                number=number,
                line=None,
                text_field=text_field,
                id_field=id_field,
                raw=row,
                max_chars=max_chars,
            )
