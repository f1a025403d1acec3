"""Training and evaluation data through Hugging Face `datasets`.

Local JSON Lines, CSV or Parquet files (our corpus by default) or a hub dataset id, with a column
mapping for datasets that name their labels differently. Rows that cannot be used (no text, a label
that is not 0/1) are collected with their row number and reason and reported; they are never
dropped silently.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from threatdetect.labels import LABELS, enforce_implication
from threatdetect.training.config import ConfigError, DataConfig

logger = logging.getLogger(__name__)

_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv", ".parquet": "parquet"}
_TRUE = {1, "1", "true", "yes"}
_FALSE = {0, "0", "false", "no", ""}


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
            raise ConfigError(f"data file not found: {source}")
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
            raise ConfigError(
                f"{source}: could not be read as {builder}: {_first_bad_line(path) or error}"
            ) from error
    return datasets.load_dataset(source, split=split or "train")


def _first_bad_line(path: Path) -> str | None:
    """Find the first invalid JSON line so the error can name it."""
    if path.suffix.lower() not in (".jsonl", ".json"):
        return None
    import json

    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    json.loads(line)
                except json.JSONDecodeError as error:
                    return f"line {number}: invalid JSON ({error.msg})"
    return None


def load_split(source: str, config: DataConfig, name: str, hub_split: str | None = None) -> LabelledSplit:
    """Load one split and validate every row."""
    dataset = _load_dataset(source, hub_split)
    columns = set(dataset.column_names)
    needed = [config.text_column, *config.label_columns.values()]
    missing = [column for column in needed if column not in columns]
    if missing:
        raise ConfigError(
            f"{source}: missing column(s) {', '.join(missing)} (have: {', '.join(sorted(columns))})"
        )
    texts: list[str] = []
    rows: list[list[int]] = []
    extra_names = [c for c in dataset.column_names if c not in needed]
    extra: dict[str, list[Any]] = {column: [] for column in extra_names}
    bad: list[BadRow] = []
    for index, record in enumerate(dataset, start=1):
        text = record[config.text_column]
        if not isinstance(text, str) or not text.strip():
            bad.append(BadRow(source, index, f"field '{config.text_column}' is empty or not text"))
            continue
        values = [_label_value(record[config.label_columns[label]]) for label in LABELS]
        if any(value is None for value in values):
            label = LABELS[[value is None for value in values].index(True)]
            bad.append(BadRow(source, index, f"field '{config.label_columns[label]}' is not 0/1"))
            continue
        row = enforce_implication(dict(zip(LABELS, values, strict=True)))
        texts.append(text)
        rows.append([row[label] for label in LABELS])
        for column in extra_names:
            extra[column].append(record[column])
    if bad:
        logger.warning("%s: %d row(s) rejected; see the training report for row numbers", source, len(bad))
    labels = np.asarray(rows, dtype=np.int64).reshape(-1, len(LABELS))
    return LabelledSplit(name, texts, labels, extra, bad, source)


def load_splits(config: DataConfig) -> dict[str, LabelledSplit]:
    """train, dev and (when configured) test."""
    splits: dict[str, LabelledSplit] = {}
    wanted = {"train": config.train, "dev": config.dev, "test": config.test}
    for name, source in wanted.items():
        if source is None:
            continue
        if config.hub_dataset:
            splits[name] = load_split(config.hub_dataset, config, name, hub_split=source)
        else:
            splits[name] = load_split(source, config, name)
    if config.max_train_samples and len(splits["train"]) > config.max_train_samples:
        train = splits["train"]
        keep = config.max_train_samples
        splits["train"] = LabelledSplit(
            "train",
            train.texts[:keep],
            train.labels[:keep],
            {k: v[:keep] for k, v in train.extra.items()},
            train.bad_rows,
            train.source,
        )
    return splits
