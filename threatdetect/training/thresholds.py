"""Thresholds of a trained model: the default for a realistic stream, and a recall-first preset.

Both are tuned on dev only (see `evaluation/prevalence.py` for why dev is reweighted). The cascade's
gate and the blend weight are tuned here too, on the same dev scores.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score

from threatdetect.corpus.sources import ORDINARY_TAGS
from threatdetect.evaluation.prevalence import StreamMix, recall_thresholds, stream_weights, tune_thresholds
from threatdetect.labels import LABELS
from threatdetect.modeling.cascade import blend
from threatdetect.training.config import ThresholdSettings
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


def tune_blend_weight(
    linear: np.ndarray, transformer: np.ndarray, dev: LabelledSplit, settings: ThresholdSettings
) -> float:
    """The transformer weight with the best mean average precision on the reweighted dev stream."""
    weights = dev_stream_weights(dev, settings)

    def score(weight: float) -> float:
        mixed = blend(linear, transformer, weight)
        return float(
            np.mean(
                [
                    average_precision_score(dev.labels[:, i], mixed[:, i], sample_weight=weights)
                    for i in range(len(LABELS))
                    if dev.labels[:, i].any()
                ]
            )
        )

    return max(BLEND_WEIGHTS, key=score)
