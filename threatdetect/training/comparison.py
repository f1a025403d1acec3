"""One row per candidate model: the dev figures a choice is made on, and what is only reported.

`benchmarks/model_comparison.py` trains the candidates and writes their rows to JSON; the model card
of the default model lists them next to the rows of its own run (its second stage gated and blended).
Choice rule: the best dev mean average precision (threshold-free), ties broken by dev macro-F1 at
the stream thresholds. The challenge columns never take part.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from threatdetect.corpus.challenge import ChallengeCase, label_matrix
from threatdetect.evaluation.analysis import analyse
from threatdetect.evaluation.metrics import evaluate
from threatdetect.evaluation.slices import RowInfo
from threatdetect.labels import LABELS


def _mean_ap(report: dict[str, Any]) -> float | None:
    values = [report["labels"][label]["pr_auc"] for label in LABELS]
    return round(float(np.mean(values)), 4) if all(v is not None for v in values) else None


def summary_row(name: str, metrics: dict[str, Any], train_seconds: float | None) -> dict[str, Any]:
    """The comparison fields of a trained model's `metrics` (as saved in `threatdetect.json`)."""
    dev, test, challenge = metrics.get("dev", {}), metrics.get("test", {}), metrics.get("challenge", {})
    stream = dev.get("analysis", {}).get("stream", {}).get("3%", {}).get("any_flag", {})
    bias = challenge.get("analysis", {}).get("bias", {}).get("hate_by_identity_group", {})
    return {
        "name": name,
        "train_seconds": train_seconds,
        "dev_macro_f1": dev.get("macro_f1"),
        "dev_mean_ap": _mean_ap(dev) if dev else None,
        "dev_precision_3pct": stream.get("precision"),
        "dev_recall_3pct": stream.get("recall"),
        "test_macro_f1": test.get("macro_f1"),
        "challenge_macro_f1": challenge.get("macro_f1"),
        "challenge_hate_bias_auc": bias.get("generalized_mean_bias_auc"),
    }


def comparable(rows: Sequence[dict[str, Any]], train_messages: int | None) -> list[dict[str, Any]]:
    """The rows trained on as many messages as this run (`train_messages`; every row when None).

    Dev changes with the corpus, so the dev figures of a row recorded on an earlier corpus are not
    comparable with this run's; such rows are shown in the card but not ranked."""
    if train_messages is None:
        return list(rows)
    return [row for row in rows if row.get("train_messages") == train_messages]


def choose(rows: Sequence[dict[str, Any]], train_messages: int | None = None) -> str:
    """The row name the choice rule picks (dev figures only), among the `comparable` rows."""
    ranked = comparable(rows, train_messages)
    if not ranked:
        raise ValueError(f"no comparison row was trained on {train_messages} messages")
    return max(ranked, key=lambda r: (r["dev_mean_ap"] or 0.0, r["dev_macro_f1"] or 0.0))["name"]


def scored_set_metrics(
    probabilities: dict[str, np.ndarray],
    labels: dict[str, np.ndarray],
    rows: dict[str, list[RowInfo]],
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """`evaluate` plus `analyse` for already-scored sets (dev, test, challenge)."""
    out = {}
    for name, scores in probabilities.items():
        report = evaluate(scores, labels[name], thresholds).to_dict()
        report["analysis"] = analyse(scores, labels[name], thresholds, rows[name])
        out[name] = report
    return out


def challenge_rows(challenge: Sequence[ChallengeCase]) -> tuple[np.ndarray, list[RowInfo]]:
    labels = np.asarray(label_matrix(challenge))
    return labels, [RowInfo(c.text, frozenset(), c.category, c.target_gender) for c in challenge]
