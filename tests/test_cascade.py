"""The cascade gate keeps the transformer's flags it was tuned to keep."""

from __future__ import annotations

import numpy as np

from threatdetect.modeling.cascade import tune_gate


def test_gate_keeps_the_required_share_of_flagged_messages():
    rng = np.random.default_rng(3)
    linear = rng.random((1000, 3))
    flags = (rng.random((1000, 3)) < linear).astype(int)  # flags go with higher linear scores
    for recall in (0.9, 0.99, 1.0):
        gate = tune_gate(linear, flags, recall)
        flagged = flags.any(axis=1)
        kept = (linear.max(axis=1)[flagged] >= gate).mean()
        assert kept >= recall
        # and the gate is as high as that allows: one step higher would lose too many
        assert (linear.max(axis=1)[flagged] >= gate + 2e-6).mean() < recall or recall == 1.0 or gate == 0.0


def test_without_flags_to_learn_from_the_gate_stays_open():
    assert tune_gate(np.random.default_rng(0).random((10, 3)), np.zeros((10, 3), dtype=int), 0.99) == 0.0
