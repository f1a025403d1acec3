"""Bias AUCs, calibration, realistic-prevalence thresholds and the error slices of `evaluate`."""

from __future__ import annotations

import numpy as np
import pytest

from threatdetect.evaluation.bias import bias_report, power_mean, subgroup_bias
from threatdetect.evaluation.calibration import reliability
from threatdetect.evaluation.prevalence import (
    StreamMix,
    recall_thresholds,
    stream_metrics,
    stream_weights,
    tune_thresholds,
)
from threatdetect.evaluation.slices import RowInfo, is_emoji_only, slice_report

RNG = np.random.default_rng(0)


def _population(n: int = 400):
    truth = RNG.random(n) < 0.3
    member = RNG.random(n) < 0.4
    return truth, member


def test_a_fair_model_has_bias_aucs_of_one():
    truth, member = _population()
    scores = np.where(truth, 0.9, 0.1) + RNG.normal(0, 0.01, len(truth))
    bias = subgroup_bias(truth, scores, member)
    assert bias.subgroup_auc == bias.bpsn_auc == bias.bnsp_auc == 1.0


def test_a_model_that_flags_group_mentions_has_a_low_bpsn_auc():
    truth, member = _population()
    # Harm is ranked right within each part, but a group mention adds 0.5 to every score.
    scores = np.where(truth, 0.4, 0.1) + 0.5 * member
    bias = subgroup_bias(truth, scores, member)
    assert bias.subgroup_auc == 1.0
    assert bias.bpsn_auc < 0.6 < 0.99 < bias.bnsp_auc


def test_power_mean_leans_towards_the_worst_subgroup():
    assert power_mean([0.95, 0.95, 0.6]) < np.mean([0.95, 0.95, 0.6])
    assert power_mean([0.9, 0.9]) == pytest.approx(0.9)


def test_bias_report_skips_subgroups_too_small_to_measure():
    truth, member = _population()
    scores = truth * 0.8 + 0.1
    tiny = np.zeros(len(truth), dtype=bool)
    tiny[:2] = True
    report = bias_report("hate", truth, scores, {"big": member, "tiny": tiny})
    assert report.subgroups["tiny"].subgroup_auc is None
    assert report.generalized_mean_bias_auc == 1.0


def test_expected_calibration_error():
    scores = RNG.random(20000)
    calibrated = RNG.random(20000) < scores
    assert reliability(calibrated, scores).ece < 0.02
    overconfident = reliability(RNG.random(20000) < 0.5, np.full(20000, 0.99))
    assert overconfident.ece == pytest.approx(0.49, abs=0.02)
    assert sum(overconfident.count) == 20000


def test_stream_weights_give_each_part_its_share():
    labels = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]])
    ordinary = [False, False, True, True, False]
    weights = stream_weights(labels, ordinary, StreamMix(prevalence=0.1, hard_negative_share=0.25))
    assert weights.sum() == pytest.approx(1.0)
    assert weights[:2].sum() == pytest.approx(0.1)
    assert weights[2:4].sum() == pytest.approx(0.9 * 0.75)
    assert weights[4] == pytest.approx(0.9 * 0.25)


def test_thresholds_for_a_rare_stream_are_stricter_than_for_dev():
    n = 2000
    labels = np.zeros((n, 3), dtype=int)
    labels[: n // 2, 1] = 1  # half flagged, as on our dev split
    scores = np.clip(labels * 0.35 + RNG.random((n, 3)) * 0.65, 0, 1)
    ordinary = [True] * n
    plain = tune_thresholds(scores, labels)
    realistic = tune_thresholds(scores, labels, stream_weights(labels, ordinary))
    assert realistic["intimidation"] > plain["intimidation"]
    at_3 = stream_metrics(scores, labels, realistic, ordinary, 0.03)["intimidation"]
    plain_at_3 = stream_metrics(scores, labels, plain, ordinary, 0.03)["intimidation"]
    assert at_3["precision"] > plain_at_3["precision"]
    # Labels without positives keep 0.5.
    assert realistic["hate"] == 0.5


def test_recall_preset_keeps_the_target_recall():
    labels = (RNG.random((500, 3)) < 0.4).astype(int)
    scores = np.clip(labels * 0.3 + RNG.random((500, 3)) * 0.7, 0, 1)
    thresholds = recall_thresholds(scores, labels, target=0.9)
    for column, label in enumerate(("hate", "intimidation", "death_threat")):
        truth = labels[:, column] == 1
        assert (scores[truth, column] >= thresholds[label]).mean() >= 0.9


def test_slices_report_false_positive_rates_and_recall():
    rows = [
        RowInfo("hoi"),
        RowInfo("👍👍"),
        RowInfo("Ik ben een vrouw en trots"),
        RowInfo("je bent een idioot", frozenset({"personal_insult"})),
        RowInfo("die moeten allemaal hangen", frozenset({"incitement"})),
        RowInfo("mevrouw de wethouder, wanneer komt de stoep?", target_gender="female"),
        RowInfo("ik weet in welke straat je woont"),
    ]
    truth = np.array([[0, 0, 0]] * 4 + [[0, 1, 1]] + [[0, 0, 0]] + [[0, 1, 0]])
    predicted = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1], [0, 0, 0], [1, 0, 0]])
    report = slice_report(rows, truth, predicted)
    assert report["short_3_words_or_fewer"] == {"false_positive_rate": 0.5, "n_harmless": 2}
    assert report["emoji_only"]["false_positive_rate"] == 0.0
    assert report["benign_identity_mentions"]["false_positive_rate"] == 1.0
    assert report["insults_without_protected_characteristic"]["false_positive_rate"] == 0.0
    assert report["aimed_at_women"]["n_harmless"] == 1
    assert report["third_person_incitement"] == {"recall": 1.0, "n_flagged": 1}
    assert report["public_figure_threats"]["recall"] is None
    # The threat flagged only as hate counts as flagged, not as flagged as a threat.
    assert report["intimidation_or_death_threat"] == {"recall": 1.0, "recall_as_threat": 0.5, "n_flagged": 2}
    assert is_emoji_only("🔪🔪") and not is_emoji_only("🔪 jij")


def test_analysis_reports_bias_slices_calibration_stream_and_draws_plots(tmp_path):
    from threatdetect.evaluation.analysis import analyse, write_plots

    texts = ["Vrouwen zijn geweldig", "vuile moslims", "hoi", "ik maak je af", "Homo's zijn ook mensen"] * 40
    rows = [
        RowInfo(t, frozenset({"neutral"}) if i % 5 in (0, 2, 4) else frozenset(), None, "female")
        for i, t in enumerate(texts)
    ]
    labels = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 0], [0, 1, 1], [0, 0, 0]] * 40)
    scores = np.clip(labels * 0.7 + RNG.random(labels.shape) * 0.3, 0, 1)
    result = analyse(scores, labels, {"hate": 0.5, "intimidation": 0.5, "death_threat": 0.5}, rows)
    assert result["bias"]["hate_by_identity_group"]["subgroups"]["muslims"]["n"] == 40
    assert result["slices"]["short_3_words_or_fewer"]["false_positive_rate"] == 0.0
    assert set(result["calibration"]) == {"hate", "intimidation", "death_threat"}
    assert result["stream"]["3%"]["any_flag"]["recall"] == 1.0
    for path in write_plots(scores, labels, tmp_path, "dev"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_min_recall_keeps_the_stream_threshold_below_the_recall_floor():
    n = 2000
    labels = np.zeros((n, 3), dtype=int)
    labels[: n // 2, 1] = 1
    scores = np.clip(labels * 0.35 + RNG.random((n, 3)) * 0.65, 0, 1)
    ordinary = [True] * n
    weights = stream_weights(labels, ordinary)
    free = tune_thresholds(scores, labels, weights)
    floored = tune_thresholds(scores, labels, weights, min_recall=0.9)
    truth = labels[:, 1] == 1
    assert (scores[truth, 1] >= free["intimidation"]).mean() < 0.9  # the stream's F1 optimum is stricter
    assert (scores[truth, 1] >= floored["intimidation"]).mean() >= 0.9
    assert floored["intimidation"] < free["intimidation"]
    # A floor no threshold above THRESHOLD_FLOOR keeps (half the positives score under it) is ignored.
    half_low = np.where(labels == 1, np.where(np.arange(n) % 2 == 0, 0.01, 0.9)[:, None], 0.5)
    plain = tune_thresholds(half_low, labels, weights)
    assert tune_thresholds(half_low, labels, weights, min_recall=0.9) == plain
    assert plain["intimidation"] == pytest.approx(0.9)


def test_min_recall_per_label_floors_only_the_labels_it_names():
    n = 2000
    labels = np.zeros((n, 3), dtype=int)
    labels[: n // 2, :] = 1
    scores = np.clip(labels * 0.35 + RNG.random((n, 3)) * 0.65, 0, 1)
    weights = stream_weights(labels, [True] * n)
    free = tune_thresholds(scores, labels, weights)
    everywhere = tune_thresholds(scores, labels, weights, min_recall=0.9)
    threats_only = tune_thresholds(
        scores, labels, weights, min_recall={"intimidation": 0.9, "death_threat": 0.9}
    )
    assert threats_only["hate"] == free["hate"] > everywhere["hate"]
    assert threats_only["intimidation"] == everywhere["intimidation"] < free["intimidation"]
    assert threats_only["death_threat"] == everywhere["death_threat"] < free["death_threat"]
