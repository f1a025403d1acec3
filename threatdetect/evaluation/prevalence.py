"""Thresholds and precision for a realistic stream, not for the dev split's mix.

Our dev split is more than half flagged and its negatives are mostly hard cases. A real dump is a few
percent flagged, and most of its harmless messages are ordinary. A threshold with the best F1 on dev
is a false-alarm machine on such a stream. Here dev rows get weights so that together they look like
that stream: flagged rows share `prevalence` of the weight, ordinary negatives most of the rest, and
hard negatives a minority. Precision and F1 are then computed with those weights (sklearn's
`precision_recall_curve` takes them as `sample_weight`); recall is unchanged by them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import precision_recall_curve

from threatdetect.labels import LABELS, enforce_implication_array

#: Share of flagged messages in a realistic dump, for the default thresholds.
STREAM_PREVALENCE = 0.03
#: Share of hard negatives among the harmless messages of that stream.
HARD_NEGATIVE_SHARE = 0.2
#: The recall-first preset keeps at least this recall on dev for each label.
RECALL_PRESET_TARGET = 0.9
THRESHOLD_FLOOR = 0.05


@dataclass(frozen=True)
class StreamMix:
    prevalence: float = STREAM_PREVALENCE
    hard_negative_share: float = HARD_NEGATIVE_SHARE


def stream_weights(labels: np.ndarray, ordinary: Sequence[bool], mix: StreamMix = StreamMix()) -> np.ndarray:
    """A weight per row so the rows, weighted, form the stream `mix` describes (weights sum to 1).

    `ordinary` marks the harmless rows that are everyday messages rather than hard negatives. When a
    split has only one kind of harmless row, that kind takes all of their weight.
    """
    flagged = labels.any(axis=1)
    ordinary = np.asarray(ordinary, dtype=bool) & ~flagged
    hard = ~flagged & ~ordinary
    weights = np.zeros(len(labels), dtype=np.float64)
    shares = {"flagged": mix.prevalence}
    if ordinary.any() and hard.any():
        shares["ordinary"] = (1 - mix.prevalence) * (1 - mix.hard_negative_share)
        shares["hard"] = (1 - mix.prevalence) * mix.hard_negative_share
    else:
        shares["ordinary" if ordinary.any() else "hard"] = 1 - mix.prevalence
    for name, mask in (("flagged", flagged), ("ordinary", ordinary), ("hard", hard)):
        if name in shares and mask.any():
            weights[mask] = shares[name] / mask.sum()
    return weights


def _round_down(value: float) -> float:
    # Rounded down, so the dev message that set a threshold still reaches it.
    return math.floor(value * 10_000) / 10_000


def _per_label(labels: np.ndarray, pick) -> dict[str, float]:
    """`pick(column)` per label, rounded down; 0.5 for a label without positives (nothing to learn)."""
    return {
        label: _round_down(pick(column)) if labels[:, column].sum() else 0.5
        for column, label in enumerate(LABELS)
    }


def tune_thresholds(
    probabilities: np.ndarray,
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    floor: float = THRESHOLD_FLOOR,
    min_recall: float | Mapping[str, float] = 0.0,
) -> dict[str, float]:
    """Per label, the threshold with the best (weighted) F1; 0.5 for a label without positives.

    `min_recall` (one number, or one per label; a label left out has none) restricts the choice to
    thresholds that keep at least that (weighted) recall. On a stream-weighted dev the F1 curve of a
    label can be nearly flat over a wide range of thresholds, where the argmax lands anywhere between
    a recall of 0.65 and 0.9; a floor on recall makes the choice steadier and says which side of the
    plateau the user prefers.
    """
    floors = (
        [float(min_recall.get(label, 0.0)) for label in LABELS]
        if isinstance(min_recall, Mapping)
        else [float(min_recall)] * len(LABELS)
    )

    def best_f1(column: int) -> float:
        precision, recall, cut = precision_recall_curve(
            labels[:, column], probabilities[:, column], sample_weight=weights
        )
        f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
        excluded = cut < floor
        too_low = recall[:-1] < floors[column]
        if not np.all(excluded | too_low):  # a floor no threshold keeps is ignored
            excluded |= too_low
        f1[excluded] = -1.0
        return float(cut[int(np.argmax(f1))])

    return _per_label(labels, best_f1)


def recall_thresholds(
    probabilities: np.ndarray, labels: np.ndarray, target: float = RECALL_PRESET_TARGET
) -> dict[str, float]:
    """Per label, the highest threshold that keeps `target` recall on these rows."""

    def highest_reaching(column: int) -> float:
        _, recall, cut = precision_recall_curve(labels[:, column], probabilities[:, column])
        reaching = cut[recall[:-1] >= target]
        return float(reaching.max() if len(reaching) else cut.min())

    return _per_label(labels, highest_reaching)


def stream_metrics(
    probabilities: np.ndarray,
    labels: np.ndarray,
    thresholds: Mapping[str, float],
    ordinary: Sequence[bool],
    prevalence: float,
) -> dict[str, dict[str, float]]:
    """Precision and recall per label and for any flag, on dev reweighted to `prevalence`."""
    weights = stream_weights(labels, ordinary, StreamMix(prevalence=prevalence))
    cut = np.asarray([thresholds[label] for label in LABELS])
    predicted = enforce_implication_array((probabilities >= cut).astype(np.int64))
    columns = {label: (labels[:, i], predicted[:, i]) for i, label in enumerate(LABELS)}
    columns["any_flag"] = (labels.any(axis=1), predicted.any(axis=1))
    out = {}
    for name, (truth, flagged) in columns.items():
        truth, flagged = truth.astype(bool), flagged.astype(bool)
        true_positive = weights[truth & flagged].sum()
        out[name] = {
            "precision": round(float(true_positive / max(weights[flagged].sum(), 1e-12)), 4),
            "recall": round(float(true_positive / max(weights[truth].sum(), 1e-12)), 4),
        }
    return out
