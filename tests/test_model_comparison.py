"""Recording a comparison row from a finished run only works for a run of that candidate's settings."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import model_comparison


def test_a_run_with_other_settings_is_refused(linear_model_dir):
    name = "default set-up, seed 13 (run-to-run spread)"
    with pytest.raises(SystemExit, match="was not trained with the settings of"):
        model_comparison.row_from_model(name, linear_model_dir)


def test_every_candidate_is_a_valid_config():
    for overrides in model_comparison.CANDIDATES.values():
        config = model_comparison.load_config(
            str(model_comparison.ROOT / "configs" / "default.yaml"), overrides
        )
        assert config.to_dict()
