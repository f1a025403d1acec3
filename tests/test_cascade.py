"""The cascade gate keeps the transformer's flags it was tuned to keep."""

from __future__ import annotations

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.modeling.base import raw_text
from threatdetect.modeling.cascade import tune_gate


def test_gate_keeps_the_required_share_of_flagged_messages():
    rng = np.random.default_rng(3)
    linear = rng.random((1000, 3))
    flags = (rng.random((1000, 3)) < linear).astype(int)  # flags go with higher linear scores
    strongest = linear.max(axis=1)[flags.any(axis=1)]
    for recall in (0.9, 0.99, 1.0):
        gate = tune_gate(linear, flags, recall)
        assert gate > 0.0
        assert (strongest >= gate).mean() >= recall
        # and the gate is as high as that allows: one step higher would lose too many
        assert (strongest >= gate + 2e-6).mean() < recall


def test_without_flags_to_learn_from_the_gate_stays_open():
    assert tune_gate(np.random.default_rng(0).random((10, 3)), np.zeros((10, 3), dtype=int), 0.99) == 0.0


class _Stage:
    """A stand-in stage with fixed scores per text, that records what it was asked to score."""

    def __init__(self, scores: dict[str, list[float]]) -> None:
        self.scores, self.seen = scores, []

    def predict_proba(self, texts):
        texts = [raw_text(text) for text in texts]  # the cascade hands its stages normalised texts
        self.seen.append(texts)
        return np.asarray([self.scores[text] for text in texts], dtype=np.float32)


def test_only_messages_past_the_gate_reach_the_transformer_and_the_rest_are_never_flagged():
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.model_dir import ModelConfig

    config = ModelConfig(name="stub", kind="cascade", thresholds=dict.fromkeys(LABELS, 0.5))
    config.components["gate"] = 0.3
    linear = _Stage({"rustig": [0.1, 0.2, 0.1], "twijfel": [0.4, 0.1, 0.1], "bijna": [0.29, 0.29, 0.29]})
    transformer = _Stage({"twijfel": [0.9, 0.2, 0.1], "rustig": [0.0, 0.0, 0.0], "bijna": [0.9, 0.9, 0.9]})
    model = CascadeModel(config, linear, transformer)
    output = model.predict(["rustig", "twijfel", "bijna"])
    assert transformer.seen == [["twijfel"]]
    assert output.stages == {"linear": 2, "transformer": 1}
    np.testing.assert_allclose(output.scores[1], [0.9, 0.2, 0.1])
    assert (output.scores[[0, 2]] < 0.5).all(), "first-stage scores stay below the thresholds"
    # Thresholds below the ones the gate was tuned for: everything goes to the transformer.
    lowered = model.predict(["rustig", "bijna"], thresholds=np.full(3, 0.2, dtype=np.float32))
    assert lowered.stages == {"transformer": 2}
    np.testing.assert_allclose(lowered.scores[1], [0.9, 0.9, 0.9])
    assert model.predict(["rustig"], cascade=False).stages == {"transformer": 1}


def test_each_preset_uses_the_gate_of_the_closest_tuned_set_it_reaches():
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.model_dir import ModelConfig

    own, recall = dict.fromkeys(LABELS, 0.5), dict.fromkeys(LABELS, 0.2)
    config = ModelConfig(name="stub", kind="cascade", thresholds=own)
    config.components.update(
        gate=0.45, gate_thresholds=own, preset_gates={"recall": {"gate": 0.1, "thresholds": recall}}
    )
    scores = {"rustig": [0.05, 0.05, 0.05], "twijfel": [0.3, 0.1, 0.1], "zeker": [0.6, 0.1, 0.1]}
    transformer = _Stage({text: [0.9, 0.9, 0.9] for text in scores})
    model = CascadeModel(config, _Stage(scores), transformer)
    at = {
        name: np.asarray([t[label] for label in LABELS], dtype=np.float32)
        for name, t in (("own", own), ("recall", recall))
    }
    assert model.gate_for(at["own"]) == 0.45
    assert model.gate_for(at["own"] + 0.1) == 0.45, "higher thresholds keep the gate of the closest set"
    assert model.gate_for(at["recall"]) == 0.1
    assert model.gate_for(np.full(3, 0.3, dtype=np.float32)) == 0.1, "between the two: the recall gate"
    assert model.gate_for(np.full(3, 0.1, dtype=np.float32)) is None

    assert model.predict(list(scores), thresholds=at["own"]).stages == {"linear": 2, "transformer": 1}
    assert transformer.seen[-1] == ["zeker"]
    assert model.predict(list(scores), thresholds=at["recall"]).stages == {"linear": 1, "transformer": 2}
    assert transformer.seen[-1] == ["twijfel", "zeker"]
    below = model.predict(list(scores), thresholds=np.full(3, 0.1, dtype=np.float32))
    assert below.stages == {"transformer": 3}

    # A set with lower thresholds flags more messages and may end with the higher gate; thresholds that
    # reach both sets still take the gate of the closer, stricter one, which was tuned for their flags.
    config.components["preset_gates"]["recall"]["gate"] = 0.5
    model = CascadeModel(config, _Stage(scores), transformer)
    assert model.gate_for(at["own"]) == 0.45 and model.gate_for(at["recall"]) == 0.5


def test_a_threat_buried_in_a_long_text_still_opens_the_gate():
    from threatdetect.modeling.cascade import CascadeModel, gate_windows
    from threatdetect.modeling.model_dir import ModelConfig

    class _Keyword(_Stage):
        def predict_proba(self, texts):
            texts = [raw_text(text) for text in texts]
            self.seen.append(texts)
            return np.asarray(
                [[0.0, 0.9 if "ik steek je neer" in t else 0.01, 0.0] for t in texts], dtype=np.float32
            )

    filler = "de gemeente heeft het parkeerbeleid weer aangepast en niemand weet waarom " * 60
    buried = filler + "ik steek je neer " + filler
    windows = gate_windows(buried)
    assert len(windows) > 3 and any("ik steek je neer" in w for w in windows)
    assert set(buried.split()) <= {word for w in windows for word in w.split()}
    assert gate_windows("kort bericht") == ["kort bericht"]

    config = ModelConfig(name="stub", kind="cascade", thresholds=dict.fromkeys(LABELS, 0.5))
    config.components["gate"] = 0.3
    transformer = _Stage({buried: [0.0, 0.95, 0.0], filler: [0.0, 0.0, 0.0]})
    model = CascadeModel(config, _Keyword({}), transformer)
    output = model.predict([buried, filler])
    assert transformer.seen == [[buried]], "only the text with the buried threat reaches the transformer"
    assert output.scores[0][1] == np.float32(0.95) and output.scores[1][1] < 0.5


def test_a_blended_model_sends_on_only_messages_that_could_still_be_flagged():
    """blend = w * transformer + (1 - w) * linear, and the transformer's score is at most 1: below
    (threshold - w) / (1 - w) no transformer score can flag a label, so the gate loses nothing."""
    from threatdetect.modeling.cascade import CascadeModel, blend_floor
    from threatdetect.modeling.model_dir import ModelConfig

    thresholds = {"hate": 0.9, "intimidation": 0.8, "death_threat": 0.85}
    config = ModelConfig(name="stub", kind="cascade", thresholds=thresholds)
    config.components.update(gate=0.0, blend_weight=0.6)
    rng = np.random.default_rng(5)
    texts = [f"bericht {i}" for i in range(400)]
    linear = _Stage({text: list(rng.random(3) ** 3) for text in texts})
    transformer = _Stage({text: list(rng.random(3) ** 0.3) for text in texts})
    model = CascadeModel(config, linear, transformer)
    floor = blend_floor(model.thresholds, 0.6)
    np.testing.assert_allclose(floor, [0.75, 0.5, 0.625], atol=2e-4)

    cascaded = model.predict(texts)
    everything = model.predict(texts, cascade=False)
    sent = cascaded.stages["transformer"]
    assert 0 < sent < len(texts) / 2, "most messages stay in the first stage"
    assert len(transformer.seen[0]) == sent
    # death_threat also counts as intimidation, so its floor is the lower of the two thresholds' floors
    from threatdetect.labels import enforce_implication_array

    labels = enforce_implication_array(cascaded.scores.copy()) >= model.thresholds
    reference = enforce_implication_array(everything.scores.copy()) >= model.thresholds
    assert (labels == reference).all(), "the exact gate changes no label"
    assert reference.any(), "the check has flags to lose"


def test_a_two_sided_gate_decides_clear_flags_and_the_transformer_can_only_add_to_them():
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.model_dir import ModelConfig

    config = ModelConfig(name="stub", kind="cascade", thresholds=dict.fromkeys(LABELS, 0.7))
    config.components.update(gate=0.0, blend_weight=0.6, flag_gate=0.95)
    linear = _Stage(
        {
            "helder": [0.99, 0.01, 0.01],  # hate decided flagged, the rest below the floor: decided
            "half": [0.99, 0.6, 0.01],  # hate decided, intimidation still open: sent on
            "rustig": [0.01, 0.01, 0.01],  # nothing can be flagged: decided
        }
    )
    transformer = _Stage({"helder": [0.0, 0.0, 0.0], "half": [0.1, 0.9, 0.0], "rustig": [1.0, 1.0, 1.0]})
    model = CascadeModel(config, linear, transformer)
    output = model.predict(["helder", "half", "rustig"])
    assert transformer.seen == [["half"]]
    assert output.stages == {"linear": 2, "transformer": 1}
    assert output.scores[0][0] == np.float32(0.99), "a decided flag keeps its linear score"
    assert (output.scores[0][1:] < 0.7).all() and (output.scores[2] < 0.7).all()
    # "half" is blended as before: its hate score now comes from both stages (0.6 * 0.1 + 0.4 * 0.99).
    np.testing.assert_allclose(output.scores[1], [0.456, 0.78, 0.004], atol=1e-5)
    # A threshold above the flag gate: the gate never decides a flag the threshold would not give.
    strict = model.predict(["helder"], thresholds=np.asarray([0.995, 0.7, 0.7], dtype=np.float32))
    assert strict.stages == {"linear": 0, "transformer": 1}


def test_the_flag_gate_is_the_lowest_that_changes_at_most_the_allowed_share_of_labels():
    from threatdetect.modeling.cascade import (
        FLAG_GATE_GRID,
        blend,
        blend_floor,
        decide_first_stage,
        implied_thresholds,
        tune_flag_gate,
    )

    rng = np.random.default_rng(3)
    linear = rng.random((2000, 3)).astype(np.float32)
    transformer = rng.random((2000, 3)).astype(np.float32)
    thresholds = np.full(3, 0.7, dtype=np.float32)
    floor = blend_floor(implied_thresholds(thresholds), 0.6)

    def changed(flag_gate: float) -> float:
        decided, first = decide_first_stage(linear, thresholds, floor, flag_gate)
        full = blend(linear, transformer, 0.6)
        final = np.where(decided[:, None], first, full)
        return float(((final >= thresholds) != (full >= thresholds)).any(axis=1).mean())

    for allowed in (0.0, 0.002, 0.01):
        chosen = tune_flag_gate(linear, transformer, thresholds, 0.6, allowed)
        assert chosen in FLAG_GATE_GRID and changed(chosen) <= allowed
        lower = [g for g in FLAG_GATE_GRID if g < chosen]
        assert not lower or changed(lower[-1]) > allowed, "a lower gate would also have done"
    assert changed(0.9) > 0, "the check has labels to change"


def test_without_a_flag_gate_a_linear_score_of_exactly_one_still_goes_to_the_transformer():
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.model_dir import ModelConfig

    config = ModelConfig(name="stub", kind="cascade", thresholds=dict.fromkeys(LABELS, 0.7))
    config.components.update(gate=0.0, blend_weight=0.6)  # an older model: no flag_gate key
    transformer = _Stage({"zeker": [0.0, 0.0, 0.0]})
    model = CascadeModel(config, _Stage({"zeker": [1.0, 0.0, 0.0]}), transformer)
    output = model.predict(["zeker"])
    assert transformer.seen == [["zeker"]] and output.stages["transformer"] == 1
    assert not (output.scores[0] >= 0.7).any(), "the transformer's veto holds"


def test_a_label_is_decided_flagged_only_above_its_own_threshold():
    """death_threat flags intimidation from intimidation's lower threshold, but a death_threat score
    under death_threat's own threshold is not a decided death threat: the message must go on."""
    from threatdetect.modeling.cascade import CascadeModel
    from threatdetect.modeling.model_dir import ModelConfig

    thresholds = {"hate": 0.8, "intimidation": 0.7, "death_threat": 0.97}
    config = ModelConfig(name="stub", kind="cascade", thresholds=thresholds)
    config.components.update(gate=0.0, blend_weight=0.6, flag_gate=0.9)
    transformer = _Stage({"dreiging": [0.0, 1.0, 1.0]})
    model = CascadeModel(config, _Stage({"dreiging": [0.0, 0.0, 0.93]}), transformer)
    output = model.predict(["dreiging"])
    assert transformer.seen == [["dreiging"]]
    assert output.scores[0][2] >= 0.97, "the blend flags the death threat the transformer confirms"
