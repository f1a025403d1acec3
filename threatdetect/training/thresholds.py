"""Thresholds of a trained model: the default for a realistic stream, and a recall-first preset.

Both are tuned on dev only (see `evaluation/prevalence.py` for why dev is reweighted). The cascade's
gate and the blend weight are tuned here too, on the same dev scores.
"""

from __future__ import annotations

from typing import get_args

import numpy as np
from sklearn.metrics import average_precision_score

from threatdetect.corpus.sources import ORDINARY_TAGS
from threatdetect.evaluation.prevalence import StreamMix, recall_thresholds, stream_weights, tune_thresholds
from threatdetect.labels import LABELS
from threatdetect.modeling.cascade import blend
from threatdetect.training.config import BlendChoice, ThresholdSettings
from threatdetect.training.data import LabelledSplit

DEFAULT_PRESET = "balanced"
RECALL_PRESET = "recall"
BLEND_WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def ordinary_rows(split: LabelledSplit) -> list[bool]:
    """Rows tagged as everyday messages (not hard negatives); all False without a phenomena column."""
    phenomena = split.extra.get("phenomena") or [[] for _ in split.texts]
    return [
        bool(set(tags if isinstance(tags, list) else str(tags).split(",")) & ORDINARY_TAGS)
        for tags in phenomena
    ]


def dev_stream_weights(split: LabelledSplit, settings: ThresholdSettings) -> np.ndarray:
    mix = StreamMix(prevalence=settings.prevalence, hard_negative_share=settings.hard_negative_share)
    return stream_weights(split.labels, ordinary_rows(split), mix)


def threshold_presets(
    probabilities: np.ndarray, dev: LabelledSplit, settings: ThresholdSettings
) -> dict[str, dict[str, float]]:
    """`balanced`: best F1 on dev reweighted to the stream; `recall`: keeps `recall_target` of positives."""
    balanced = tune_thresholds(
        probabilities, dev.labels, dev_stream_weights(dev, settings), min_recall=settings.min_recall
    )
    recall = recall_thresholds(probabilities, dev.labels, settings.recall_target)
    # Recall-first never means stricter than the default.
    recall = {label: min(recall[label], balanced[label]) for label in LABELS}
    return {DEFAULT_PRESET: balanced, RECALL_PRESET: recall}


#: Resamples of dev behind `blend_choice: cheapest_tied`.
BLEND_RESAMPLES = 200
BLEND_CHOICES = get_args(BlendChoice)


def _mean_ap(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray, columns: list[int]) -> float:
    return float(
        np.mean([average_precision_score(labels[:, i], scores[:, i], sample_weight=weights) for i in columns])
    )


def tune_blend_weight(
    linear: np.ndarray,
    transformer: np.ndarray,
    dev: LabelledSplit,
    settings: ThresholdSettings,
    choice: BlendChoice = "best",
    seed: int = 0,
) -> tuple[float, dict[str, dict[str, float]]]:
    """The transformer weight of the blend, and per candidate weight its mean average precision on the
    reweighted dev stream.

    `best`: the weight with the highest mean AP. `cheapest_tied`: the lowest weight whose mean AP dev
    cannot tell from the best one's: the 95% interval of its deficit over `BLEND_RESAMPLES` bootstrap
    resamples of dev reaches 0. A lower weight gives the linear stage more say, so its exact floor
    (see `modeling/cascade.py`) keeps more messages away from the transformer. A resample in which a
    label with dev positives has none is drawn again, so every mean covers the same labels.
    """
    if choice not in BLEND_CHOICES:
        raise ValueError(f"blend choice must be one of {', '.join(BLEND_CHOICES)}, not {choice!r}")
    weights = dev_stream_weights(dev, settings)
    columns = [i for i in range(len(LABELS)) if dev.labels[:, i].any()]
    mixed = {w: blend(linear, transformer, w) for w in BLEND_WEIGHTS}
    mean_ap = {w: _mean_ap(dev.labels, mixed[w], weights, columns) for w in BLEND_WEIGHTS}
    best = max(BLEND_WEIGHTS, key=mean_ap.__getitem__)
    table = {str(w): {"mean_ap": round(mean_ap[w], 4)} for w in BLEND_WEIGHTS}
    if choice == "best":
        return best, table
    rng = np.random.default_rng(seed)
    deficits: dict[float, list[float]] = {w: [] for w in BLEND_WEIGHTS}
    drawn = 0
    while len(deficits[best]) < BLEND_RESAMPLES:
        drawn += 1
        if drawn > 20 * BLEND_RESAMPLES:
            raise ValueError("dev is too small to resample: most resamples lack a label's positives")
        rows = rng.integers(0, len(dev.labels), len(dev.labels))
        labels = dev.labels[rows]
        if not labels[:, columns].any(axis=0).all():
            continue
        resampled = {w: _mean_ap(labels, mixed[w][rows], weights[rows], columns) for w in BLEND_WEIGHTS}
        for w in BLEND_WEIGHTS:
            deficits[w].append(resampled[w] - resampled[best])
    tied = []
    for w in BLEND_WEIGHTS:
        low, high = np.percentile(deficits[w], [2.5, 97.5])
        table[str(w)].update(deficit_low=round(float(low), 4), deficit_high=round(float(high), 4))
        if high >= 0.0:  # the unrounded bound decides; the table is rounded for reading
            tied.append(w)
    return min(tied), table
