"""`threatdetect evaluate`: metrics per label, per phenomenon and per functional capability."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from threatdetect.cli import app
from threatdetect.labels import LABELS

runner = CliRunner()


def test_evaluate_prints_and_writes_reports(tmp_path, linear_model_dir, small_corpus):
    out = tmp_path / "evaluation.json"
    files = [str(small_corpus / "test.jsonl"), "data/functional/suite.tsv"]
    result = runner.invoke(app, ["evaluate", *files, "--model", str(linear_model_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "| label | precision | recall | F1 | PR-AUC |" in result.output
    reports = json.loads(out.read_text())
    corpus_report, suite_report = reports[files[0]], reports[files[1]]
    for report in (corpus_report, suite_report):
        assert set(report["labels"]) == set(LABELS)
        for metrics in report["labels"].values():
            assert {"precision", "recall", "f1", "pr_auc", "true_positive", "false_positive"} <= set(metrics)
    assert "phenomenon" in corpus_report["by_group"]
    assert len(suite_report["by_group"]["capability"]) >= 40


def test_evaluate_names_a_missing_file(tmp_path, linear_model_dir):
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(tmp_path / "nope.jsonl"),
            "--model",
            str(linear_model_dir),
            "-o",
            str(tmp_path / "e.json"),
        ],
    )
    assert result.exit_code == 2 and "nope.jsonl" in result.output
