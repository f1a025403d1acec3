"""How the cascade's blend weight is chosen on dev (`training/thresholds.py`)."""

from __future__ import annotations

import numpy as np

from threatdetect.io.labelled import LabelledSplit
from threatdetect.labels import LABELS
from threatdetect.training.config import ThresholdSettings
from threatdetect.training.thresholds import BLEND_WEIGHTS, tune_blend_weight


def _dev(n: int, seed: int) -> tuple[LabelledSplit, np.random.Generator]:
    rng = np.random.default_rng(seed)
    labels = (rng.random((n, len(LABELS))) < 0.4).astype(np.int64)
    labels[:, 1] |= labels[:, 2]  # a death threat is intimidation too
    phenomena = [["ordinary"] if not row.any() and i % 2 else [] for i, row in enumerate(labels)]
    return LabelledSplit("dev", [f"m{i}" for i in range(n)], labels, {"phenomena": phenomena}), rng


def _noisy(labels: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(4 * (labels - 0.5) + rng.normal(0, noise, labels.shape))))


def test_cheapest_tied_takes_a_lower_weight_that_dev_cannot_tell_from_the_best():
    dev, rng = _dev(300, seed=1)
    logit = 4 * (dev.labels - 0.5) + rng.normal(0, 1.5, dev.labels.shape)
    transformer = 1 / (1 + np.exp(-logit))
    # The transformer's view with more noise: a little worse, so the best weight leans to the transformer.
    linear = 1 / (1 + np.exp(-(logit + rng.normal(0, 1.0, logit.shape))))
    best, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings())
    assert best == max(BLEND_WEIGHTS, key=lambda w: table[str(w)]["mean_ap"])
    cheap, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied")
    assert cheap < best
    assert table[str(cheap)]["deficit_high"] >= 0.0
    assert all(table[str(w)]["deficit_high"] < 0.0 for w in BLEND_WEIGHTS if w < cheap)
    # The same resamples each time: the choice is reproducible.
    assert (
        tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied")[0] == cheap
    )


def test_cheapest_tied_keeps_the_transformer_when_the_linear_stage_is_clearly_worse():
    dev, rng = _dev(1500, seed=2)
    transformer = _noisy(dev.labels, rng, 1.0)
    linear = rng.random(dev.labels.shape)  # no signal at all
    weight, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied")
    assert weight >= 0.8
    assert table["0.5"]["deficit_high"] < 0.0
