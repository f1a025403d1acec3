"""`evaluate_file`: score a labelled file with a model and report metrics.

The file is either a labelled JSONL/CSV/Parquet split (per-phenomenon accuracy when it has a
`phenomena` column) or the functional suite TSV (per-capability accuracy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from threatdetect.evaluation.functional import load_functional_suite
from threatdetect.evaluation.metrics import EvaluationReport, evaluate
from threatdetect.io.labelled import BadRow, read_labelled


class Scorer(Protocol):
    """What evaluation needs of a Detector: scores in LABELS order and the thresholds to apply."""

    thresholds: Mapping[str, float]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class FileEvaluation:
    """The metrics of one file, and the rows of it that could not be used (with row and reason)."""

    report: EvaluationReport
    rejected_rows: list[BadRow] = field(default_factory=list)


def evaluate_file(
    detector: Scorer,
    path: Path,
    text_column: str = "text",
    label_columns: Mapping[str, str] | None = None,
) -> FileEvaluation:
    path = Path(path)
    if path.suffix.lower() == ".tsv" and path.read_text(encoding="utf-8").startswith("capability\t"):
        suite = load_functional_suite(path)
        probabilities = detector.predict_proba(suite.texts)
        report = evaluate(
            probabilities,
            suite.labels,
            detector.thresholds,
            {"capability": [[c] for c in suite.capabilities]},
        )
        return FileEvaluation(report)
    split = read_labelled(path, path.stem, text_column=text_column, label_columns=label_columns)
    groups = {}
    if "phenomena" in split.extra:
        groups["phenomenon"] = [
            list(v) if isinstance(v, list) else [t for t in str(v).split(",") if t]
            for v in split.extra["phenomena"]
        ]
    report = evaluate(detector.predict_proba(split.texts), split.labels, detector.thresholds, groups)
    return FileEvaluation(report, split.bad_rows)
