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


def test_a_cascade_run_gives_its_ungated_second_stage_row(tmp_path):
    """The default run's own rows score every message with the second stage (no gate); a candidate
    recorded from a finished cascade run must be measured the same way, not by its gated metrics."""
    import json

    recorded = json.loads((model_comparison.ROOT / "models" / "default" / "threatdetect.json").read_text())
    recorded["training"]["config"]["seed"] = 13  # the settings of the run-to-run candidate
    (tmp_path / "threatdetect.json").write_text(json.dumps(recorded))
    row = model_comparison.row_from_model("default set-up, seed 13 (run-to-run spread)", tmp_path)
    blended = recorded["metrics"]["second_stage_variants"]["blended"]
    gated = model_comparison.summary_row("gated cascade", recorded["metrics"], None)
    assert row["dev_mean_ap"] == blended["dev_mean_ap"] != gated["dev_mean_ap"]
    assert row["name"] == "default set-up, seed 13 (run-to-run spread)" and "blend_weight" not in row


def _row(name: str, mean_ap: float, train_messages: int | None) -> dict:
    return {"name": name, "dev_mean_ap": mean_ap, "dev_macro_f1": 0.8, "train_messages": train_messages}


def test_rows_from_an_earlier_corpus_are_not_ranked():
    from threatdetect.training.comparison import choose, comparable

    rows = [
        _row("earlier corpus, better dev", 0.97, 24629),
        _row("this run, blended", 0.96, 26064),
        _row("this run, gated", 0.94, 26064),
        _row("candidate on this corpus", 0.95, 26064),
    ]
    assert choose(rows, 26064) == "this run, blended"
    assert [r["name"] for r in comparable(rows, 26064)] == [r["name"] for r in rows[1:]]
    # Without a corpus to hold to, every row is ranked (the earlier behaviour).
    assert choose(rows) == "earlier corpus, better dev"
    with pytest.raises(ValueError, match="no comparison row"):
        choose(rows, 1000)
