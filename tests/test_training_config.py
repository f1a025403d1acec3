"""Training configs validate on load with errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from threatdetect.labels import LABELS
from threatdetect.training.config import ConfigError, load_config

CONFIGS = sorted(Path("configs").glob("*.yaml"))


@pytest.mark.parametrize("path", CONFIGS, ids=[p.stem for p in CONFIGS])
def test_shipped_configs_validate_without_network(path):
    config = load_config(path)
    assert config.name
    assert config.model in ("linear", "transformer", "cascade")


def test_robbert_configs_name_the_hub_models():
    assert load_config("configs/robbert-v2.yaml").transformer.base_model == "pdelobelle/robbert-v2-dutch-base"
    assert (
        load_config("configs/robbert-2023.yaml").transformer.base_model
        == "DTAI-KULeuven/robbert-2023-dutch-base"
    )
    assert load_config("configs/e5-offline.yaml").transformer.lora.enabled is True


def test_overrides_set_nested_keys_with_yaml_types():
    config = load_config(
        "configs/e5-offline.yaml", ["transformer.epochs=1", "transformer.lora.r=4", "seed=7"]
    )
    assert config.transformer.epochs == 1.0
    assert config.transformer.lora.r == 4
    assert config.seed == 7


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nmodel: linear\noutput_dir: out\nepochs: 3\n", "unknown key 'epochs'"),
        ("name: x\nmodel: linear\noutput_dir: out\ntransformer:\n  lr: 1\n", "unknown key 'transformer.lr'"),
        ("name: x\nmodel: linear\noutput_dir: out\nseed: many\n", "seed: expected an integer"),
        ("name: x\nmodel: forest\noutput_dir: out\n", "model: must be one of 'linear', 'transformer' or"),
        (
            "name: x\nmodel: linear\noutput_dir: out\ntransformer:\n  lora:\n    enabled: maybe\n",
            "expected true or false",
        ),
        ("name: x\nmodel: linear\noutput_dir: out\nlinear:\n  C: -1\n", "linear.C: must be greater than 0"),
        (
            "name: x\nmodel: linear\noutput_dir: out\nlinear:\n  min_dff: 1\n",
            "known keys: C, calibration_folds",
        ),
        (
            "name: x\nmodel: linear\noutput_dir: out\ntransformer:\n  learning_rate: true\n",
            "transformer.learning_rate: expected a number, got True",
        ),
        (
            "name: x\nmodel: linear\noutput_dir: out\ntransformer:\n  device: gpu\n",
            "transformer.device: must be one of",
        ),
        (
            "name: x\nmodel: linear\noutput_dir: out\ndata:\n  label_columns: {hate: h}\n",
            "missing intimidation",
        ),
        (
            "name: 7\nmodel: linear\noutput_dir: out\nseed: 1.5\n",
            "name: expected a string, got 7; seed: expected an",
        ),
        (
            "name: x\nmodel: linear\noutput_dir: out\nthresholds:\n  min_recall: {threat: 0.8}\n",
            "thresholds.min_recall",
        ),
        (
            "name: x\nmodel: linear\noutput_dir: out\nthresholds:\n  min_recall: 1.5\n",
            "thresholds.min_recall",
        ),
        ("name: x\nmodel: linear\n", "output_dir"),
        ("- just\n- a list\n", "must be a mapping"),
        ("name: [unclosed\n", "invalid YAML"),
    ],
)
def test_invalid_configs_fail_with_file_and_key(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_min_recall_is_one_floor_for_every_label_or_one_per_label(tmp_path):
    base = "name: x\nmodel: linear\noutput_dir: out\nthresholds:\n"
    # A label left out has no floor (tune_thresholds reads it as 0; see test_evaluation_bias.py).
    every = load_config(_write(tmp_path, base + "  min_recall: 0.8\n")).thresholds.min_recall
    assert every == dict.fromkeys(LABELS, 0.8)
    named = load_config(_write(tmp_path, base + "  min_recall: {death_threat: 0.8}\n"))
    assert named.thresholds.min_recall == {"death_threat": 0.8}
    assert load_config("configs/default.yaml").thresholds.min_recall.get("hate", 0.0) == 0.0


def test_numbers_may_be_written_as_yaml_reads_them(tmp_path):
    # YAML reads `3e-5` (no dot) as a string; it is still a number here, and ints are floats.
    path = _write(
        tmp_path,
        "name: x\nmodel: linear\noutput_dir: out\ntransformer:\n  learning_rate: 3e-5\n  epochs: 2\n",
    )
    config = load_config(path)
    assert config.transformer.learning_rate == 3e-5 and config.transformer.epochs == 2.0
    assert config.to_dict()["linear"]["word_ngrams"] == (1, 2)


def test_missing_config_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_bad_override_syntax():
    with pytest.raises(ConfigError, match="key=value"):
        load_config("configs/linear.yaml", ["seed"])


def test_missing_data_files_are_named_by_key(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.dev: file not found: nowhere\.jsonl"):
        load_config("configs/linear.yaml", ["data.dev=nowhere.jsonl"])
