"""Beyond F1: bias AUCs, error slices, calibration and realistic-prevalence precision of one run.

`evaluate` and training both call `analyse` on a labelled set, and `write_plots` draws the
reliability diagram and the PR curves that the model card shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from threatdetect.evaluation.bias import bias_report
from threatdetect.evaluation.calibration import reliability
from threatdetect.evaluation.metrics import apply_thresholds
from threatdetect.evaluation.prevalence import stream_metrics
from threatdetect.evaluation.slices import RowInfo, is_ordinary, slice_report
from threatdetect.identity import identity_groups, mentioned_groups
from threatdetect.labels import HATE, INTIMIDATION, LABELS

REPORTED_PREVALENCES = (0.03, 0.10)


def identity_membership(rows: Sequence[RowInfo]) -> dict[str, np.ndarray]:
    mentions = [mentioned_groups(row.text) for row in rows]
    return {group: np.array([group in m for m in mentions], dtype=bool) for group in identity_groups()}


def gender_membership(rows: Sequence[RowInfo]) -> dict[str, np.ndarray]:
    return {
        name: np.array([row.target_gender == gender for row in rows], dtype=bool)
        for name, gender in (("aimed_at_women", "female"), ("aimed_at_men", "male"))
    }


def analyse(
    probabilities: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    rows: Sequence[RowInfo],
) -> dict[str, Any]:
    """Bias (hate by identity group, intimidation by target gender), slices, ECE, stream precision."""
    predicted = apply_thresholds(probabilities, thresholds)
    column = {label: i for i, label in enumerate(LABELS)}
    result: dict[str, Any] = {
        "bias": {
            "hate_by_identity_group": bias_report(
                HATE, labels[:, column[HATE]], probabilities[:, column[HATE]], identity_membership(rows)
            ).to_dict(),
            "intimidation_by_target_gender": bias_report(
                INTIMIDATION,
                labels[:, column[INTIMIDATION]],
                probabilities[:, column[INTIMIDATION]],
                gender_membership(rows),
            ).to_dict(),
        },
        "slices": slice_report(rows, labels, predicted),
        "calibration": {
            label: reliability(labels[:, i], probabilities[:, i]).__dict__ for i, label in enumerate(LABELS)
        },
    }
    ordinary = [is_ordinary(row) for row in rows]
    if any(ordinary) and labels.any():
        result["stream"] = {
            f"{prevalence:.0%}": stream_metrics(probabilities, labels, thresholds, ordinary, prevalence)
            for prevalence in REPORTED_PREVALENCES
        }
    return result


def write_plots(probabilities: np.ndarray, labels: np.ndarray, directory: Path, stem: str) -> list[Path]:
    """`<stem>_reliability.png` and `<stem>_pr_curves.png` in `directory`; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot([0, 1], [0, 1], linestyle=":", color="grey", label="perfect calibration")
    for i, label in enumerate(LABELS):
        curve = reliability(labels[:, i], probabilities[:, i])
        axis.plot(curve.mean_score, curve.positive_rate, marker="o", label=f"{label} (ECE {curve.ece:.3f})")
    axis.set(xlabel="mean score in bin", ylabel="share truly positive", title=f"Reliability: {stem}")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.legend(loc="upper left", fontsize=8)
    paths.append(directory / f"{stem}_reliability.png")
    figure.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(5, 5))
    for i, label in enumerate(LABELS):
        if 0 < labels[:, i].sum() < len(labels):
            precision, recall, _ = precision_recall_curve(labels[:, i], probabilities[:, i])
            axis.plot(recall, precision, label=label)
    axis.set(xlabel="recall", ylabel="precision", title=f"Precision-recall: {stem}")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1.02)
    axis.legend(loc="lower left", fontsize=8)
    paths.append(directory / f"{stem}_pr_curves.png")
    figure.savefig(paths[-1], dpi=110, bbox_inches="tight")
    plt.close(figure)
    return paths
