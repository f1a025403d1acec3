"""Metrics and threshold tuning."""

from __future__ import annotations

import numpy as np

from threatdetect.evaluation.metrics import apply_thresholds, evaluate
from threatdetect.evaluation.prevalence import tune_thresholds
from threatdetect.labels import LABELS


def test_thresholds_maximise_f1_and_keep_the_deciding_example():
    probabilities = np.array([[0.91234, 0.2, 0.1], [0.3, 0.8, 0.7], [0.2, 0.6, 0.05], [0.1, 0.1, 0.02]])
    labels = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 0, 0]])
    thresholds = tune_thresholds(probabilities, labels)
    assert apply_thresholds(probabilities, thresholds).tolist() == labels.tolist()
    assert thresholds["hate"] <= 0.91234


def test_a_label_without_positives_keeps_a_neutral_threshold():
    probabilities = np.random.default_rng(0).random((50, 3))
    labels = np.zeros((50, 3), dtype=int)
    labels[:10, 0] = 1
    thresholds = tune_thresholds(probabilities, labels)
    assert thresholds["intimidation"] == 0.5 and thresholds["death_threat"] == 0.5


def test_apply_thresholds_enforces_death_threat_implies_intimidation():
    predicted = apply_thresholds(np.array([[0.0, 0.2, 0.9]]), dict.fromkeys(LABELS, 0.5))
    assert predicted.tolist() == [[0, 1, 1]]


def test_evaluate_reports_per_label_and_per_group():
    probabilities = np.array([[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.1]])
    labels = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0]])
    report = evaluate(
        probabilities, labels, dict.fromkeys(LABELS, 0.5), {"phenomenon": [["a"], ["b"], ["b"]]}
    )
    assert report.labels["hate"].f1 == 1.0
    assert report.labels["intimidation"].recall == 0.5 and report.labels["intimidation"].false_negative == 1
    assert report.by_group["phenomenon"]["b"] == {"accuracy": 0.5, "n": 2}
