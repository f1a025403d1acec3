"""Labelled files for training and evaluation, read through Hugging Face `datasets`.

Local JSON Lines, CSV/TSV or Parquet files (our corpus) or a hub dataset id, with a column mapping for
datasets that name their labels differently. Rows that cannot be used (no text, a label that is not
0/1) are collected with their row number and reason and reported; they are never dropped silently.

It lives below both `training` and `evaluation` because both read labelled files; it knows nothing of
training configs, so paths resolve as given.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from threatdetect.labels import LABELS, enforce_implication

logger = logging.getLogger(__name__)

_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}
_TRUE = {1, "1", "true", "yes"}
_FALSE = {0, "0", "false", "no", ""}


class LabelledDataError(ValueError):
    """A labelled file cannot be used as a whole; the message names the file (and line or column)."""


@dataclass
class BadRow:
    source: str
    row: int
    reason: str


@dataclass
class LabelledSplit:
    """Texts, a (n, 3) label matrix in LABELS order, and any extra columns (phenomena, ids...)."""

    name: str
    texts: list[str]
    labels: np.ndarray
    extra: dict[str, list[Any]] = field(default_factory=dict)
    bad_rows: list[BadRow] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return len(self.texts)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for text, row in zip(self.texts, self.labels, strict=True):
            digest.update(text.encode("utf-8"))
            digest.update(bytes(row.astype(np.uint8)))
        return digest.hexdigest()


def _label_value(value: Any) -> int | None:
    if isinstance(value, str):
        value = value.strip().lower()
    if isinstance(value, float) and value in (0.0, 1.0):
        value = int(value)
    if value in _TRUE:
        return 1
    if value in _FALSE:
        return 0
    return None


def _load_dataset(source: str, split: str | None = None):
    import datasets

    path = Path(source)
    if path.suffix.lower() in _BUILDERS:
        if not path.is_file():
            raise LabelledDataError(f"data file not found: {source}")
        builder = _BUILDERS[path.suffix.lower()]
        kwargs = {"delimiter": "\t"} if path.suffix.lower() == ".tsv" else {}
        try:
            # Messages are personal data: keep them in memory and let the Arrow cache vanish with
            # the temporary folder instead of leaving a copy under ~/.cache/huggingface.
            with tempfile.TemporaryDirectory(prefix="threatdetect-datasets-") as cache:
                return datasets.load_dataset(
                    builder,
                    data_files=str(path),
                    split="train",
                    cache_dir=cache,
                    keep_in_memory=True,
                    **kwargs,
                )
        except Exception as error:  # datasets wraps parser errors in several types
            raise LabelledDataError(
                f"{source}: could not be read as {builder}: {_first_bad_line(path) or error}"
            ) from error
    return datasets.load_dataset(source, split=split or "train")


def _first_bad_line(path: Path) -> str | None:
    """Find the first invalid JSON line so the error can name it."""
    if path.suffix.lower() not in (".jsonl", ".json"):
        return None
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError as error:
                    return f"line {number}: invalid JSON ({error.msg})"
    return None


def read_labelled(
    source: str | Path,
    name: str,
    *,
    text_column: str = "text",
    label_columns: Mapping[str, str] | None = None,
    hub_split: str | None = None,
) -> LabelledSplit:
    """Load one labelled file (or hub split) and validate every row.

    `label_columns` maps each label to its column (default: the label's own name).
    """
    source = str(source)
    columns_of = {label: label for label in LABELS} | dict(label_columns or {})
    dataset = _load_dataset(source, hub_split)
    columns = set(dataset.column_names)
    needed = [text_column, *(columns_of[label] for label in LABELS)]
    missing = [column for column in needed if column not in columns]
    if missing:
        raise LabelledDataError(
            f"{source}: missing column(s) {', '.join(missing)} (have: {', '.join(sorted(columns))})"
        )
    texts: list[str] = []
    rows: list[list[int]] = []
    extra_names = [c for c in dataset.column_names if c not in needed]
    extra: dict[str, list[Any]] = {column: [] for column in extra_names}
    bad: list[BadRow] = []
    for index, record in enumerate(dataset, start=1):
        text = record[text_column]
        if not isinstance(text, str) or not text.strip():
            bad.append(BadRow(source, index, f"field '{text_column}' is empty or not text"))
            continue
        values = [_label_value(record[columns_of[label]]) for label in LABELS]
        if any(value is None for value in values):
            label = LABELS[[value is None for value in values].index(True)]
            bad.append(BadRow(source, index, f"field '{columns_of[label]}' is not 0/1"))
            continue
        row = enforce_implication(dict(zip(LABELS, values, strict=True)))
        texts.append(text)
        rows.append([row[label] for label in LABELS])
        for column in extra_names:
            extra[column].append(record[column])
    if bad:
        logger.warning("%s: %d row(s) rejected; see the report for row numbers", source, len(bad))
    labels = np.asarray(rows, dtype=np.int64).reshape(-1, len(LABELS))
    return LabelledSplit(name, texts, labels, extra, bad, source)
