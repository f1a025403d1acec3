"""End to end on CPU in seconds: train tiny models, save, reload, score.

The linear and tiny transformer models are the session's shared ones (tests/conftest.py); only the
cascade, which no other test needs, is trained here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from threatdetect.labels import LABELS
from threatdetect.modeling.model_dir import CONFIG_FILE
from threatdetect.training.config import ConfigError, load_config
from threatdetect.training.train import train

TEXTS = ["ik maak je af vuile hoer", "goedemorgen wethouder, fijne dag", "we weten waar je woont 🔪"]


def _config(tmp_path: Path, small_corpus: Path, base: str, overrides: list[str]):
    data = [
        f"data.train={small_corpus / 'train.jsonl'}",
        f"data.dev={small_corpus / 'dev.jsonl'}",
        f"data.test={small_corpus / 'test.jsonl'}",
        f"output_dir={tmp_path / 'model'}",
    ]
    return load_config(f"configs/{base}.yaml", data + overrides)


def _no_pickles(directory: Path) -> None:
    for path in directory.rglob("*"):
        assert path.suffix not in (".pkl", ".pickle", ".bin", ".pt", ".joblib"), path


@pytest.mark.slow
def test_linear_model_trains_saves_reloads_and_scores(linear_model_dir):
    from threatdetect import Detector

    directory = linear_model_dir
    assert (directory / CONFIG_FILE).is_file() and (directory / "README.md").is_file()
    _no_pickles(directory)
    saved = json.loads((directory / CONFIG_FILE).read_text())
    assert saved["kind"] == "linear" and set(saved["thresholds"]) == set(LABELS)
    assert "test" in saved["metrics"] and "macro_f1" in saved["metrics"]["test"]
    # Thresholds: the default is the stream-tuned preset; the recall preset is never stricter.
    presets = saved["threshold_presets"]
    assert presets["balanced"] == saved["thresholds"]
    assert all(presets["recall"][label] <= presets["balanced"][label] for label in LABELS)
    analysis = saved["metrics"]["test"]["analysis"]
    assert {"bias", "slices", "calibration"} <= set(analysis)
    assert (directory / "figures" / "test_reliability.png").is_file()
    assert "Unintended-bias AUCs" in (directory / "README.md").read_text()
    assert Detector.load(directory, thresholds="recall").thresholds == presets["recall"]
    with pytest.raises(ValueError, match="unknown threshold preset"):
        Detector.load(directory, thresholds="nonsense")
    detector = Detector.load(directory)
    first = detector.predict_proba(TEXTS)
    again = Detector.load(directory).predict_proba(TEXTS)
    np.testing.assert_allclose(first, again, rtol=1e-6)
    assert first.shape == (3, 3) and ((first >= 0) & (first <= 1)).all()
    assert (first[:, 1] >= first[:, 2]).all(), "death_threat implies intimidation"


@pytest.mark.slow
def test_tiny_roberta_trains_saves_reloads_and_scores(tiny_transformer_dir):
    from threatdetect import Detector

    directory = tiny_transformer_dir
    _no_pickles(directory)
    assert (directory / "transformer" / "model.safetensors").is_file()
    card = (directory / "README.md").read_text()
    assert card.startswith("---\n") and "Test split" in card
    detector = Detector.load(directory, precision="fp32")
    results = detector.score(TEXTS)
    assert [r.text for r in results] == TEXTS
    for r in results:
        assert set(r.scores) == set(LABELS) and all(0.0 <= v <= 1.0 for v in r.scores.values())
    reloaded = Detector.load(directory, precision="fp32").predict_proba(TEXTS)
    np.testing.assert_allclose(detector.predict_proba(TEXTS), reloaded, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_tiny_cascade_with_lora_trains_and_gates(tmp_path, small_corpus, tiny_roberta):
    from threatdetect import Detector

    overrides = [
        f"transformer.base_model={tiny_roberta}",
        "transformer.max_steps=6",
        "transformer.batch_size=16",
        "transformer.max_length=48",
        "transformer.device=cpu",
        "transformer.lora.target_modules=[query,value]",
        "transformer.lora.r=4",
        "transformer.text_prefix=''",
    ]
    result = train(_config(tmp_path, small_corpus, "default", overrides))
    directory = result.output_dir
    _no_pickles(directory)
    assert (directory / "transformer" / "adapter_config.json").is_file()
    # A cascade's card counts the training time of both stages.
    assert "linear stage" in (directory / "README.md").read_text(encoding="utf-8")
    # The default config prunes the vocabulary: the kept ids are listed from the training texts.
    assert (directory / "transformer" / "kept_tokens.json").is_file()
    assert (directory / "linear" / CONFIG_FILE).is_file()
    saved = json.loads((directory / CONFIG_FILE).read_text())
    assert saved["kind"] == "cascade" and 0.0 <= saved["components"]["gate"] <= 1.0
    assert "cascade" in saved["metrics"]
    # One gate for the model's own thresholds, one more for each preset with other thresholds.
    assert saved["components"]["gate_thresholds"] == saved["thresholds"]
    assert {name: gate["thresholds"] for name, gate in saved["components"]["preset_gates"].items()} == {
        name: preset for name, preset in saved["threshold_presets"].items() if preset != saved["thresholds"]
    }
    full = Detector.load(directory, precision="fp32", cascade=False).predict_proba(TEXTS)
    cascade = Detector.load(directory, precision="fp32")
    output = cascade.predict(TEXTS)
    assert cascade.cascade and output.scores.shape == full.shape == (3, 3)
    assert sum(output.stages.values()) == len(TEXTS)

    # Two Detectors share one loaded model; the one with lower thresholds must not change the other.
    model = cascade.model
    gate_before, thresholds_before = model.gate, model.thresholds.copy()
    lowered = {label: value / 2 for label, value in saved["thresholds"].items()}
    strict = Detector(model, model_path=directory)
    loose = Detector(model, thresholds=lowered, model_path=directory)
    # A threshold below every set the gates were tuned for asks for flags no gate keeps: that Detector's calls
    # go to the transformer, while the other Detector keeps the cascade.
    assert loose.cascade is False and strict.cascade is True
    assert loose.predict(TEXTS).stages == {"transformer": len(TEXTS)}
    np.testing.assert_allclose(loose.predict_proba(TEXTS), full, atol=1e-5)
    np.testing.assert_array_equal(strict.predict_proba(TEXTS), cascade.predict_proba(TEXTS))
    assert model.gate == gate_before
    np.testing.assert_array_equal(model.thresholds, thresholds_before)
    # The recall preset has its own gate, so it keeps the cascade, with that gate.
    assert Detector(model, thresholds="recall", model_path=directory).cascade is True
    recall = np.asarray([saved["threshold_presets"]["recall"][label] for label in LABELS], dtype=np.float32)
    expected = saved["components"]["preset_gates"].get("recall", {"gate": saved["components"]["gate"]})[
        "gate"
    ]
    assert model.gate_for(recall) == expected


@pytest.mark.slow
def test_cascade_blend_mixes_both_stages(tmp_path, small_corpus, tiny_roberta):
    from threatdetect import Detector

    overrides = [
        f"transformer.base_model={tiny_roberta}",
        "transformer.max_steps=2",
        "transformer.max_length=48",
        "transformer.text_prefix=''",
        "transformer.lora.enabled=false",
        "transformer.label_smoothing=0.1",
        "cascade.combine=blend",
        "data.functional=null",
    ]
    directory = train(_config(tmp_path, small_corpus, "default", overrides)).output_dir
    saved = json.loads((directory / CONFIG_FILE).read_text())
    weight = saved["components"]["blend_weight"]
    assert saved["components"]["combine"] == "blend" and 0.5 <= weight <= 1.0
    model = Detector.load(directory, precision="fp32", cascade=False).model
    linear = model.linear.predict_proba(TEXTS)
    transformer = model.transformer.predict_proba(TEXTS)
    np.testing.assert_allclose(
        model.predict(TEXTS, cascade=False).scores, weight * transformer + (1 - weight) * linear, atol=1e-6
    )

    # Reusing the trained stages redoes only what follows training: same weights, new thresholds.
    other = tmp_path / "retuned"
    retuned = train(
        _config(
            tmp_path,
            small_corpus,
            "default",
            [*overrides, f"output_dir={other}", "thresholds.min_recall=0.99"],
        ),
        reuse=directory,
    ).output_dir
    weights = sorted(path.relative_to(directory) for path in directory.rglob("*.safetensors"))
    assert weights and all((retuned / p).read_bytes() == (directory / p).read_bytes() for p in weights)
    again = json.loads((retuned / CONFIG_FILE).read_text())
    assert again["training"]["stages_reused_from"] == str(directory)
    assert again["training"]["config"]["thresholds"]["min_recall"] == dict.fromkeys(LABELS, 0.99)
    # A recall floor can only lower the thresholds.
    assert all(again["thresholds"][label] <= saved["thresholds"][label] for label in LABELS)
    # Stages trained with other settings are refused, naming what differs.
    with pytest.raises(ConfigError, match="other settings \\(transformer\\)"):
        train(
            _config(tmp_path, small_corpus, "default", [*overrides, "transformer.max_steps=3"]),
            reuse=directory,
        )


@pytest.mark.slow
def test_transformer_scoring_is_thread_safe(tiny_transformer_dir):
    from concurrent.futures import ThreadPoolExecutor

    from threatdetect import Detector

    detector = Detector.load(tiny_transformer_dir, precision="fp32")
    texts = [f"bericht {i}: " + "ik weet waar je woont " * (i % 7) for i in range(40)]
    sequential = detector.predict_proba(texts)
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda text: detector.predict_proba([text])[0], texts))
    np.testing.assert_allclose(np.stack(parallel), sequential, atol=1e-5)


@pytest.mark.parametrize("name", ["robbert-v2", "robbert-2023"])
def test_robbert_configs_validate_offline(name):
    config = load_config(f"configs/{name}.yaml")
    assert config.model == "transformer" and "robbert" in config.transformer.base_model
