"""Write scored records as JSON Lines (default) or CSV, and rejected records to an errors file.

Scored records arrive as plain dicts (`ScoreResult.to_record` in `threatdetect.scoring.results`
builds them and documents the output contract). CSV flattens scores to `score_<label>` columns.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any

from threatdetect.io.records import Rejected
from threatdetect.labels import LABELS

CSV_COLUMNS = [
    "id",
    "text",
    *(f"score_{label}" for label in LABELS),
    "labels",
    "flagged",
    "author",
    "timestamp",
    "url",
    "platform",
    "source",
    "record",
    "line",
    "sha256",
    "spans",
    "warnings",
]


#: A spreadsheet runs a cell that starts with one of these as a formula; senders control these texts.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Prefix a quote to text a spreadsheet would run as a formula (CSV output only)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class RecordWriter:
    """Streams records to a file (or stdout) as JSONL or CSV."""

    def __init__(self, handle: IO[str], fmt: str) -> None:
        if fmt not in ("jsonl", "csv"):
            raise ValueError(f"unknown output format {fmt!r}; use jsonl or csv")
        self.handle, self.fmt = handle, fmt
        self._csv = None
        if fmt == "csv":
            self._csv = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            self._csv.writeheader()

    @staticmethod
    def format_for(path: Path | None) -> str:
        return "csv" if path is not None and path.suffix.lower() == ".csv" else "jsonl"

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is None:
            self.handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        flat = {
            key: value for key, value in record.items() if key not in ("scores", "labels", "spans", "extra")
        }
        flat.update({f"score_{label}": record["scores"][label] for label in LABELS})
        flat["labels"] = ";".join(record["labels"])
        flat["spans"] = json.dumps(record.get("spans", []), ensure_ascii=False)
        flat["warnings"] = "; ".join(record.get("warnings", []))
        self._csv.writerow({key: spreadsheet_safe(value) for key, value in flat.items()})


def write_rejected(handle: IO[str], rejected: Rejected) -> None:
    # ensure_ascii keeps the errors file writable whatever broken characters a raw snippet holds.
    handle.write(json.dumps(rejected.to_dict(), ensure_ascii=True) + "\n")
