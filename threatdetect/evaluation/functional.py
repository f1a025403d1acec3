"""The functional (behavioural) test suite in `data/functional/`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from threatdetect.labels import LABELS, parse_label_code


@dataclass
class FunctionalSuite:
    capabilities: list[str]
    texts: list[str]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def load_functional_suite(path: str | Path) -> FunctionalSuite:
    path = Path(path)
    capabilities, texts, rows = [], [], []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        for number, fields in enumerate(reader, start=1):
            if not fields or fields[0].startswith("#") or (number == 1 and fields[0] == "capability"):
                continue
            if len(fields) != 3:
                raise ValueError(f"{path}: line {number}: expected 3 tab-separated fields, got {len(fields)}")
            capability, code, text = fields
            try:
                values = parse_label_code(code)
            except ValueError as error:
                raise ValueError(f"{path}: line {number}: field 'labels': {error}") from error
            capabilities.append(capability)
            texts.append(text)
            rows.append([values[label] for label in LABELS])
    return FunctionalSuite(capabilities, texts, np.asarray(rows, dtype=np.int64).reshape(-1, len(LABELS)))
