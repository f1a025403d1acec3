"""`evaluate_file`: score a labelled file with a model and report metrics.

The file is either a labelled JSONL/CSV/Parquet split (per-phenomenon accuracy when it has a
`phenomena` column), the functional suite TSV (per-capability accuracy), or the folder of the blind
challenge set (per-category accuracy). Splits and the challenge set also get the analysis of
`analysis.py`: bias AUCs, error slices, calibration and, where rows say which harmless messages are
ordinary, precision at a realistic prevalence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from threatdetect.corpus.challenge import label_matrix, load_challenge
from threatdetect.evaluation.analysis import analyse
from threatdetect.evaluation.functional import load_functional_suite
from threatdetect.evaluation.metrics import EvaluationReport, evaluate
from threatdetect.evaluation.slices import RowInfo
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
    analysis: dict[str, Any] | None = None
    #: Scores and labels, for figures.
    probabilities: np.ndarray | None = None
    labels: np.ndarray | None = None


def evaluate_file(
    detector: Scorer,
    path: Path,
    text_column: str = "text",
    label_columns: Mapping[str, str] | None = None,
) -> FileEvaluation:
    path = Path(path)
    if path.is_dir():
        cases = load_challenge(path)
        labels = np.asarray(label_matrix(cases))
        probabilities = detector.predict_proba([case.text for case in cases])
        report = evaluate(
            probabilities, labels, detector.thresholds, {"category": [[c.category] for c in cases]}
        )
        rows = [RowInfo(c.text, frozenset(), c.category, c.target_gender) for c in cases]
        analysis = analyse(probabilities, labels, detector.thresholds, rows)
        return FileEvaluation(report, [], analysis, probabilities, labels)
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
    phenomena: list[list[str]] = [[] for _ in split.texts]
    if "phenomena" in split.extra:
        phenomena = [
            list(v) if isinstance(v, list) else [t for t in str(v).split(",") if t]
            for v in split.extra["phenomena"]
        ]
        groups["phenomenon"] = phenomena
    genders = split.extra.get("target_gender") or [None] * len(split.texts)
    rows = [
        RowInfo(t, frozenset(p), None, g) for t, p, g in zip(split.texts, phenomena, genders, strict=True)
    ]
    probabilities = detector.predict_proba(split.texts)
    report = evaluate(probabilities, split.labels, detector.thresholds, groups)
    analysis = analyse(probabilities, split.labels, detector.thresholds, rows)
    return FileEvaluation(report, split.bad_rows, analysis, probabilities, split.labels)


def format_analysis(analysis: dict[str, Any]) -> str:
    """A few lines for the terminal; the JSON output has everything."""
    lines = []
    for name, bias in analysis["bias"].items():
        value = bias["generalized_mean_bias_auc"]
        lines.append(
            f"bias {name}: generalised mean of bias AUCs {value if value is not None else 'n/a'} "
            f"(subgroup {bias['mean_subgroup_auc']}, BPSN {bias['mean_bpsn_auc']}, BNSP {bias['mean_bnsp_auc']})"
        )
    for name, values in analysis["slices"].items():
        if "false_positive_rate" in values:
            lines.append(
                f"slice {name}: false-positive rate {values['false_positive_rate']} (n={values['n_harmless']})"
            )
        else:
            as_threat = f", as a threat {values['recall_as_threat']}" if "recall_as_threat" in values else ""
            lines.append(f"slice {name}: recall {values['recall']}{as_threat} (n={values['n_flagged']})")
    eces = ", ".join(f"{label} {values['ece']}" for label, values in analysis["calibration"].items())
    lines.append(f"expected calibration error: {eces}")
    for prevalence, per_label in analysis.get("stream", {}).items():
        flag = per_label["any_flag"]
        lines.append(
            f"at {prevalence} prevalence: any-flag precision {flag['precision']}, recall {flag['recall']}"
        )
    return "\n".join(lines)
