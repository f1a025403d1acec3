"""Write the binary example files from the text ones, byte for byte the same on every run.

    python examples/make_examples.py

- `replies.parquet`: the first 20 messages of `replies.jsonl`, with `created_at` as a UTC timestamp
  column (so the Parquet reader's datetime handling is exercised too).
- `x-archive.zip`: the files under `x-archive/`, as X packs them (`data/...`), with fixed dates and
  permissions so the zip's SHA-256 does not change between runs.
"""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
PARQUET_ROWS = 20
ZIP_DATE = (2024, 3, 14, 12, 0, 0)


def write_parquet(source: Path, out: Path) -> None:
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:PARQUET_ROWS]]
    table = pa.table(
        {
            "id": [row["id"] for row in rows],
            "author": [row["author"] for row in rows],
            "created_at": pa.array(
                [datetime.fromisoformat(row["created_at"]) for row in rows], pa.timestamp("ms", tz="UTC")
            ),
            "url": [row["url"] for row in rows],
            "text": [row["text"] for row in rows],
        }
    )
    pq.write_table(table, out, compression="zstd", write_statistics=False)


def write_zip(folder: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def main() -> None:
    write_parquet(HERE / "replies.jsonl", HERE / "replies.parquet")
    write_zip(HERE / "x-archive", HERE / "x-archive.zip")


if __name__ == "__main__":
    main()
