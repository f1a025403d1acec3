"""`evaluate_file`: score a labelled file with a model and report metrics.

The file is either a labelled JSONL/CSV/Parquet split (per-phenomenon accuracy when it has a
`phenomena` column) or the functional suite TSV (per-capability accuracy).
"""

from __future__ import annotations

from pathlib import Path

from threatdetect.evaluation.functional import load_functional_suite
from threatdetect.evaluation.metrics import EvaluationReport, evaluate
from threatdetect.training.config import DataConfig
from threatdetect.training.data import load_split


def evaluate_file(
    detector, path: Path, text_column: str = "text", label_columns: dict[str, str] | None = None
) -> EvaluationReport:
    path = Path(path)
    if path.suffix.lower() == ".tsv" and path.read_text(encoding="utf-8").startswith("capability\t"):
        suite = load_functional_suite(path)
        probabilities = detector.predict_proba(suite.texts)
        return evaluate(
            probabilities,
            suite.labels,
            detector.thresholds,
            {"capability": [[c] for c in suite.capabilities]},
        )
    config = DataConfig(text_column=text_column)
    if label_columns:
        config.label_columns.update(label_columns)
    split = load_split(str(path), config, path.stem)
    groups = {}
    if "phenomena" in split.extra:
        groups["phenomenon"] = [
            list(v) if isinstance(v, list) else [t for t in str(v).split(",") if t]
            for v in split.extra["phenomena"]
        ]
    report = evaluate(detector.predict_proba(split.texts), split.labels, detector.thresholds, groups)
    report.rejected_rows = [bad.__dict__ for bad in split.bad_rows]  # type: ignore[attr-defined]
    return report
