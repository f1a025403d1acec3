"""How the cascade's blend weight is chosen on dev (`training/thresholds.py`)."""

from __future__ import annotations

import numpy as np
import pytest

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
    # The linear scores are the transformer's view with more noise: a little worse, so the best
    # weight leans to the transformer.
    linear = 1 / (1 + np.exp(-(logit + rng.normal(0, 1.0, logit.shape))))
    best, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings())
    assert best == 0.9 and set(table["0.5"]) == {"mean_ap"}
    assert table["0.9"]["mean_ap"] > table["0.5"]["mean_ap"]
    cheap, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied")
    assert cheap == 0.5
    assert table["0.5"]["deficit_low"] < 0.0 <= table["0.5"]["deficit_high"]
    assert table["0.9"]["deficit_low"] == table["0.9"]["deficit_high"] == 0.0
    # The same resamples each time: the choice is reproducible.
    assert tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied") == (
        cheap,
        table,
    )


def test_cheapest_tied_keeps_the_transformer_when_the_linear_stage_is_clearly_worse():
    dev, rng = _dev(1500, seed=2)
    transformer = _noisy(dev.labels, rng, 1.0)
    linear = rng.random(dev.labels.shape)  # no signal at all
    weight, table = tune_blend_weight(linear, transformer, dev, ThresholdSettings(), choice="cheapest_tied")
    assert weight >= 0.8
    assert table["0.5"]["deficit_high"] < 0.0


def test_a_small_dev_gives_intervals_not_nan():
    """Resamples that lose a label's only positives are drawn again, so no mean AP is taken over
    fewer labels (or none)."""
    dev, rng = _dev(40, seed=3)
    dev.labels[:, 2] = 0
    dev.labels[:2, 2] = 1  # two death threats: many resamples lack them
    dev.labels[:2, 1] = 1
    weight, table = tune_blend_weight(
        rng.random(dev.labels.shape),
        rng.random(dev.labels.shape),
        dev,
        ThresholdSettings(),
        choice="cheapest_tied",
    )
    assert weight in BLEND_WEIGHTS
    assert all(np.isfinite([row["deficit_low"], row["deficit_high"]]).all() for row in table.values())


def test_an_unknown_choice_is_an_error():
    dev, rng = _dev(50, seed=4)
    scores = rng.random(dev.labels.shape)
    with pytest.raises(ValueError, match="cheapest_tied"):
        tune_blend_weight(scores, scores, dev, ThresholdSettings(), choice="cheapest")
