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


def test_evaluate_reports_bias_slices_calibration_and_draws_figures(tmp_path, linear_model_dir):
    out, figures = tmp_path / "evaluation.json", tmp_path / "figures"
    args = ["evaluate", "data/challenge", "data/corpus/test.jsonl", "--model", str(linear_model_dir)]
    result = runner.invoke(app, [*args, "-o", str(out), "--figures", str(figures)])
    assert result.exit_code == 0, result.output
    assert "bias hate_by_identity_group: generalised mean of bias AUCs" in result.output
    assert "slice short_3_words_or_fewer: false-positive rate" in result.output
    reports = json.loads(out.read_text())
    challenge, test = reports["data/challenge"], reports["data/corpus/test.jsonl"]
    assert len(challenge["by_group"]["category"]) == 10
    for report in (challenge, test):
        analysis = report["analysis"]
        assert set(analysis["bias"]["hate_by_identity_group"]["subgroups"]) >= {"women", "muslims", "lgbtq"}
        assert {"aimed_at_women", "aimed_at_men"} <= set(
            analysis["bias"]["intimidation_by_target_gender"]["subgroups"]
        )
        assert 0.0 <= analysis["calibration"]["hate"]["ece"] <= 1.0
    assert {"3%", "10%"} <= set(test["analysis"]["stream"])
    assert (figures / "challenge_reliability.png").is_file() and (figures / "test_pr_curves.png").is_file()


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


def test_evaluate_works_outside_the_repository_and_names_rejected_rows(
    tmp_path, linear_model_dir, monkeypatch
):
    labelled = tmp_path / "mine.jsonl"
    labelled.write_text(
        '{"text": "ik maak je af", "hate": 0, "intimidation": 1, "death_threat": 1}\n'
        '{"text": "goedemorgen", "hate": 0, "intimidation": 0, "death_threat": 0}\n'
        '{"text": "", "hate": 0, "intimidation": 0, "death_threat": 0}\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # no data/corpus here: evaluation must not need the training defaults
    result = runner.invoke(app, ["evaluate", str(labelled), "--model", str(linear_model_dir), "-o", "e.json"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) rejected, e.g. row 3: field 'text' is empty or not text" in result.output
    assert json.loads((tmp_path / "e.json").read_text())[str(labelled)]["n"] == 2


def test_without_output_nothing_is_written_to_the_current_directory(tmp_path, linear_model_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    labelled = tmp_path / "mine.jsonl"
    labelled.write_text('{"text": "ik maak je af", "hate": 0, "intimidation": 1, "death_threat": 1}\n')
    result = runner.invoke(app, ["evaluate", str(labelled), "--model", str(linear_model_dir)])
    assert result.exit_code == 0, result.output
    assert "| label | precision | recall | F1 | PR-AUC |" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.jsonl"]
