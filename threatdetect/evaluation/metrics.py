"""Metrics for multi-label predictions: per label, per phenomenon, per functional capability.

Thresholds are tuned in `threatdetect.evaluation.prevalence.tune_thresholds` (sklearn's
`precision_recall_curve`, optionally weighted to a realistic stream).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_fscore_support

from threatdetect.labels import LABELS, enforce_implication_array


def apply_thresholds(probabilities: np.ndarray, thresholds: Mapping[str, float]) -> np.ndarray:
    """0/1 predictions in label order, with death_threat => intimidation enforced."""
    cut = np.asarray([thresholds[label] for label in LABELS], dtype=probabilities.dtype)
    return enforce_implication_array((probabilities >= cut).astype(np.int64))


@dataclass
class LabelMetrics:
    precision: float
    recall: float
    f1: float
    pr_auc: float | None
    support: int
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int


@dataclass
class EvaluationReport:
    n: int
    labels: dict[str, LabelMetrics]
    macro_f1: float
    exact_match: float
    any_flag: dict[str, float]
    by_group: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _label_metrics(scores: np.ndarray, predicted: np.ndarray, truth: np.ndarray) -> LabelMetrics:
    precision, recall, f1, _ = precision_recall_fscore_support(
        truth, predicted, average="binary", zero_division=0
    )
    pr_auc = float(average_precision_score(truth, scores)) if 0 < truth.sum() < len(truth) else None
    return LabelMetrics(
        precision=round(float(precision), 4),
        recall=round(float(recall), 4),
        f1=round(float(f1), 4),
        pr_auc=None if pr_auc is None else round(pr_auc, 4),
        support=int(truth.sum()),
        true_positive=int(((predicted == 1) & (truth == 1)).sum()),
        false_positive=int(((predicted == 1) & (truth == 0)).sum()),
        false_negative=int(((predicted == 0) & (truth == 1)).sum()),
        true_negative=int(((predicted == 0) & (truth == 0)).sum()),
    )


def _accuracy_by(
    keys: Sequence[Sequence[str]], predicted: np.ndarray, truth: np.ndarray
) -> dict[str, dict[str, float]]:
    """Exact-match accuracy of all three labels per key (a row can have several keys)."""
    hits: dict[str, list[int]] = defaultdict(list)
    correct = (predicted == truth).all(axis=1)
    for row_keys, ok in zip(keys, correct, strict=True):
        for key in row_keys:
            hits[key].append(int(ok))
    return {key: {"accuracy": round(float(np.mean(v)), 4), "n": len(v)} for key, v in sorted(hits.items())}


def evaluate(
    probabilities: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    groups: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> EvaluationReport:
    """Full report; `groups` maps a grouping name (phenomena, capability) to keys per row."""
    predicted = apply_thresholds(probabilities, thresholds)
    per_label = {
        label: _label_metrics(probabilities[:, i], predicted[:, i], labels[:, i])
        for i, label in enumerate(LABELS)
    }
    flagged_true, flagged_pred = labels.any(axis=1), predicted.any(axis=1)
    any_flag = {
        "precision": round(float((flagged_true & flagged_pred).sum() / max(flagged_pred.sum(), 1)), 4),
        "recall": round(float((flagged_true & flagged_pred).sum() / max(flagged_true.sum(), 1)), 4),
    }
    report = EvaluationReport(
        n=len(labels),
        labels=per_label,
        macro_f1=round(float(np.mean([m.f1 for m in per_label.values()])), 4),
        exact_match=round(float((predicted == labels).all(axis=1).mean()) if len(labels) else 0.0, 4),
        any_flag=any_flag,
    )
    for name, keys in (groups or {}).items():
        report.by_group[name] = _accuracy_by(keys, predicted, labels)
    return report


def format_report(report: EvaluationReport, title: str = "") -> str:
    """Markdown tables for terminals, model cards and notes."""
    lines = [
        f"### {title}" if title else "",
        "",
        f"{report.n} messages; macro-F1 {report.macro_f1:.3f}; "
        f"exact match {report.exact_match:.3f}; any-flag precision {report.any_flag['precision']:.3f}, "
        f"recall {report.any_flag['recall']:.3f}",
        "",
        "| label | precision | recall | F1 | PR-AUC | support | TP | FP | FN |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, m in report.labels.items():
        auc = "n/a" if m.pr_auc is None else f"{m.pr_auc:.3f}"
        lines.append(
            f"| {label} | {m.precision:.3f} | {m.recall:.3f} | {m.f1:.3f} | {auc} | {m.support} | "
            f"{m.true_positive} | {m.false_positive} | {m.false_negative} |"
        )
    for name, table in report.by_group.items():
        lines += ["", f"| {name} | accuracy | n |", "|---|---|---|"]
        lines += [f"| {key} | {v['accuracy']:.3f} | {v['n']} |" for key, v in table.items()]
    return "\n".join(lines).strip() + "\n"
