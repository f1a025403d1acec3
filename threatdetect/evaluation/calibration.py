"""Calibration: expected calibration error and the points of a reliability diagram.

A score of 0.9 should be right about nine times in ten. The first transformer stage said 0.99 for
"hoi"; these numbers show whether a model's scores can be read as probabilities at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BINS = 10


@dataclass(frozen=True)
class Reliability:
    #: Per non-empty bin: mean score, observed positive rate, and the number of scores in it.
    mean_score: list[float]
    positive_rate: list[float]
    count: list[int]
    #: Expected calibration error: |observed - predicted| per bin, weighted by the bin's share.
    ece: float


def reliability(truth: np.ndarray, scores: np.ndarray, bins: int = BINS) -> Reliability:
    """Equal-width bins over [0, 1]; a score of exactly 1.0 falls in the last bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, bins - 1)
    mean_score, positive_rate, count = [], [], []
    ece = 0.0
    for b in range(bins):
        in_bin = index == b
        n = int(in_bin.sum())
        if n == 0:
            continue
        predicted, observed = float(scores[in_bin].mean()), float(truth[in_bin].mean())
        mean_score.append(round(predicted, 4))
        positive_rate.append(round(observed, 4))
        count.append(n)
        ece += n / len(scores) * abs(observed - predicted)
    return Reliability(mean_score, positive_rate, count, round(ece, 4))
