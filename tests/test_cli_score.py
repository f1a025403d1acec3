"""`threatdetect score`: the output contract, bad input, and the summary arithmetic."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from threatdetect.cli import app
from threatdetect.labels import LABELS

EXAMPLES = Path("examples")
runner = CliRunner()


def _score(*args: str) -> object:
    return runner.invoke(app, ["score", *args])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _input_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_all_writes_one_record_per_message_in_input_order(tmp_path, linear_model_dir):
    out = tmp_path / "all.jsonl"
    result = _score(
        str(EXAMPLES / "replies.jsonl"), "-o", str(out), "--all", "--model", str(linear_model_dir), "-q"
    )
    assert result.exit_code == 0, result.output
    records = _jsonl(out)
    inputs = _input_records(EXAMPLES / "replies.jsonl")
    assert [r["id"] for r in records] == [r["id"] for r in inputs]
    for record, source in zip(records, inputs, strict=True):
        assert record["text"] == source["text"]
        assert set(record["scores"]) == set(LABELS)
        assert all(isinstance(v, float) and 0.0 <= v <= 1.0 for v in record["scores"].values())
        assert set(record["labels"]) <= set(LABELS)
        assert record["flagged"] == bool(record["labels"])
        assert record["author"] == source["author"] and record["url"] == source["url"]
        assert record["timestamp"]


def test_default_output_holds_only_flagged_messages(tmp_path, linear_model_dir):
    everything, flagged = tmp_path / "all.jsonl", tmp_path / "flagged.jsonl"
    _score(
        str(EXAMPLES / "replies.jsonl"),
        "-o",
        str(everything),
        "--all",
        "--model",
        str(linear_model_dir),
        "-q",
    )
    _score(str(EXAMPLES / "replies.jsonl"), "-o", str(flagged), "--model", str(linear_model_dir), "-q")
    expected = [r["id"] for r in _jsonl(everything) if r["flagged"]]
    assert expected and [r["id"] for r in _jsonl(flagged)] == expected


def test_ids_default_to_record_numbers(tmp_path, linear_model_dir):
    source = tmp_path / "noids.jsonl"
    source.write_text('{"text": "hallo wethouder"}\n{"text": "ik weet waar je woont"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    _score(str(source), "-o", str(out), "--all", "--model", str(linear_model_dir), "-q")
    assert [r["id"] for r in _jsonl(out)] == ["1", "2"]


def test_csv_output_when_the_name_ends_in_csv(tmp_path, linear_model_dir):
    out = tmp_path / "out.csv"
    result = _score(
        str(EXAMPLES / "replies.jsonl"), "-o", str(out), "--all", "--model", str(linear_model_dir), "-q"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(_input_records(EXAMPLES / "replies.jsonl"))
    assert {
        "id",
        "text",
        "score_hate",
        "score_intimidation",
        "score_death_threat",
        "labels",
        "flagged",
    } <= set(rows[0])


def test_threshold_override(tmp_path, linear_model_dir):
    out = tmp_path / "out.jsonl"
    args = [str(EXAMPLES / "replies.jsonl"), "-o", str(out), "--model", str(linear_model_dir), "-q"]
    _score(*args, *[f"--threshold={label}=1.0" for label in LABELS], "--force")
    assert out.read_text() == ""
    result = _score(*args, "--threshold", "spam=0.5", "--force")
    assert result.exit_code != 0 and "LABEL=VALUE" in result.output


def test_bad_records_go_to_the_errors_file_and_the_summary_adds_up(tmp_path, linear_model_dir):
    out = tmp_path / "out.jsonl"
    result = _score(
        str(EXAMPLES / "bad_records.jsonl"), "-o", str(out), "--all", "--model", str(linear_model_dir)
    )
    assert result.exit_code == 0, result.output
    errors = _jsonl(tmp_path / "out.errors.jsonl")
    scored = _jsonl(out)
    lines = [line for line in (EXAMPLES / "bad_records.jsonl").read_bytes().split(b"\n") if line.strip()]
    assert len(scored) + len(errors) == len(lines)
    assert f"in {len(lines)} = scored {len(scored)} + rejected {len(errors)}" in result.output
    for error in errors:
        assert error["line"] and error["reason"] and error["source"].endswith("bad_records.jsonl")


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, ["missing.jsonl"], "missing.jsonl"),
        (("notes.xyz", "hallo"), [], "format"),
        (("body.jsonl", '{"id": 1, "body": "hallo"}\n'), [], "text"),
        (("body.csv", "id,body\n1,hallo\n"), [], "text"),
        (("body.jsonl", '{"id": 1, "body": "hallo"}\n'), ["--format", "parquet"], "body.jsonl"),
    ],
)
def test_fatal_input_problems_exit_non_zero_with_one_clear_line(
    tmp_path, linear_model_dir, make, args, message
):
    if make is None:
        target = tmp_path / args[0]
        args = []
    else:
        target = tmp_path / make[0]
        target.write_text(make[1], encoding="utf-8")
    result = _score(str(target), "-o", str(tmp_path / "out.jsonl"), "--model", str(linear_model_dir), *args)
    assert result.exit_code == 2
    error_lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1 and message in error_lines[0] and str(target.name) in error_lines[0]


def test_existing_output_needs_force(tmp_path, linear_model_dir):
    out = tmp_path / "out.jsonl"
    out.write_text("keep me")
    result = _score(str(EXAMPLES / "replies.jsonl"), "-o", str(out), "--model", str(linear_model_dir))
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep me"


def test_a_threshold_preset_flags_at_least_as_much_as_the_default(tmp_path, linear_model_dir):
    default, recall = tmp_path / "default.jsonl", tmp_path / "recall.jsonl"
    args = [str(EXAMPLES / "replies.jsonl"), "--model", str(linear_model_dir)]
    assert _score(*args, "-o", str(default)).exit_code == 0
    result = _score(*args, "-o", str(recall), "--thresholds", "recall")
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in _jsonl(default)} <= {r["id"] for r in _jsonl(recall)}
    unknown = _score(*args, "-o", str(tmp_path / "x.jsonl"), "--thresholds", "nonsense")
    assert unknown.exit_code == 2 and "unknown threshold preset 'nonsense'" in unknown.output
    both = _score(*args, "-o", str(tmp_path / "y.jsonl"), "--thresholds", "recall", "--threshold", "hate=0.5")
    assert both.exit_code == 2 and "not both" in both.output


@pytest.mark.parametrize(
    "path",
    [
        "replies.csv",
        "replies_semicolon.csv",
        "replies.tsv",
        "replies.json",
        "replies.parquet",
        "x-archive.zip",
        "facebook/comments.json",
        "instagram/post_comments_1.json",
    ],
)
def test_every_example_format_scores(tmp_path, linear_model_dir, path):
    out = tmp_path / "out.jsonl"
    result = _score(str(EXAMPLES / path), "-o", str(out), "--all", "--model", str(linear_model_dir))
    assert result.exit_code == 0, result.output
    records = _jsonl(out)
    assert records and all(set(r["scores"]) == set(LABELS) for r in records)
    match = re.search(r"in (\d+) = scored (\d+) \+ rejected (\d+)", result.output)
    assert match and int(match[1]) == int(match[2]) + int(match[3])
    assert int(match[2]) == len(records)


def test_same_input_and_model_give_the_same_output(tmp_path, linear_model_dir):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    for out in (first, second):
        _score(
            str(EXAMPLES / "replies.jsonl"), "-o", str(out), "--all", "--model", str(linear_model_dir), "-q"
        )
    assert first.read_bytes() == second.read_bytes()


def test_broken_emoji_in_the_input_neither_crashes_nor_disappears(tmp_path, linear_model_dir):
    source = tmp_path / "broken.jsonl"
    source.write_text('{"id": "a", "text": "ik \\ud83d maak je af"}\n{"id": "b", "text": "fijne dag"}\n')
    out = tmp_path / "out.csv"
    result = _score(str(source), "-o", str(out), "--all", "--model", str(linear_model_dir))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "b"]
    assert "\ufffd" in rows[0]["text"]


def test_csv_cells_cannot_become_spreadsheet_formulas(tmp_path, linear_model_dir):
    source = tmp_path / "formula.jsonl"
    source.write_text(
        '{"id": "=1+1", "author": "@evil", "text": "=HYPERLINK(\\"http://x\\") ik weet waar je woont"}\n'
    )
    out = tmp_path / "out.csv"
    _score(str(source), "-o", str(out), "--all", "--model", str(linear_model_dir), "-q")
    row = next(csv.DictReader(out.open(encoding="utf-8")))
    assert row["text"].startswith("'=") and row["id"].startswith("'=") and row["author"] == "'@evil"


def test_report_is_written_and_no_intermediate_file_is_left(tmp_path, linear_model_dir):
    report = tmp_path / "reports" / "report.html"
    args = [str(EXAMPLES / "replies.jsonl"), "-o", str(tmp_path / "out.csv"), "--report", str(report)]
    result = _score(*args, "--model", str(linear_model_dir), "-q")
    assert result.exit_code == 0, result.output
    assert report.is_file() and "<mark" in report.read_text(encoding="utf-8")
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html"]
    again = _score(*args, "--model", str(linear_model_dir), "-q")
    assert again.exit_code == 2 and "--force" in again.output


def test_a_bad_model_directory_is_one_clear_error(tmp_path):
    result = _score(str(EXAMPLES / "replies.jsonl"), "--model", str(tmp_path))
    assert result.exit_code == 2
    assert "not a threatdetect model directory" in result.output


def test_logs_never_contain_message_texts(tmp_path, linear_model_dir, caplog, monkeypatch):
    """A failing model is the path that logs; its error quotes the text, the log must not."""
    import logging

    from threatdetect.scoring.detector import Detector

    texts = [record["text"] for record in _input_records(EXAMPLES / "replies.jsonl")]
    score_batch = Detector.score_batch

    def failing(self, batch, **kwargs):
        if len(batch) > 1 or batch[0] == texts[0]:
            raise RuntimeError(f"model broke on {batch[0]!r}")
        return score_batch(self, batch, **kwargs)

    monkeypatch.setattr(Detector, "score_batch", failing)
    caplog.set_level(logging.DEBUG)
    result = _score(
        str(EXAMPLES / "replies.jsonl"),
        "-o",
        str(tmp_path / "o.jsonl"),
        "--all",
        "--model",
        str(linear_model_dir),
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert any("scoring a chunk failed (RuntimeError)" in r.getMessage() for r in caplog.records)
    errors = _jsonl(tmp_path / "o.errors.jsonl")
    assert [e["record"] for e in errors] == [1], "the message that broke the model is rejected, not lost"
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    for text in texts:
        assert text not in logged


def test_repaired_records_are_scored_with_warnings_and_counted(tmp_path, linear_model_dir):
    source = tmp_path / "damaged.jsonl"
    source.write_bytes(
        b'{"id": "a", "text": "caf\xe9 \xff\xfe ik weet waar je woont"}\n'
        b'{"id": "b", "text": "NUL\x00 erin"}\n'
        b'{"id": "c", "text": "gewoon een bericht"}\n'
    )
    out = tmp_path / "out.jsonl"
    result = _score(str(source), "-o", str(out), "--all", "--model", str(linear_model_dir))
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in _jsonl(out)}
    assert records["a"]["text"] == "caf\ufffd \ufffd\ufffd ik weet waar je woont"
    assert "could not be decoded" in records["a"]["warnings"][0]
    assert records["b"]["text"] == "NUL erin" and "NUL" in records["b"]["warnings"][0]
    assert "warnings" not in records["c"]
    assert "in 3 = scored 3 + rejected 0" in result.output and "repaired 2" in result.output
    as_csv = tmp_path / "out.csv"
    _score(str(source), "-o", str(as_csv), "--all", "--model", str(linear_model_dir), "-q")
    rows = list(csv.DictReader(as_csv.open(encoding="utf-8")))
    assert "could not be decoded" in rows[0]["warnings"] and rows[2]["warnings"] == ""


def test_max_chars_sets_the_text_length_limit(tmp_path, linear_model_dir):
    source = tmp_path / "long.jsonl"
    source.write_text(
        json.dumps({"id": "long", "text": "de raad vergadert " * 11_200})
        + "\n"  # 201,600 characters
        + json.dumps({"id": "short", "text": "ik weet waar je woont"})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    result = _score(str(source), "-o", str(out), "--all", "--model", str(linear_model_dir))
    assert "in 2 = scored 1 + rejected 1" in result.output
    assert "too long" in _jsonl(tmp_path / "out.errors.jsonl")[0]["reason"]
    raised = _score(
        str(source),
        "-o",
        str(out),
        "--all",
        "--model",
        str(linear_model_dir),
        "--max-chars",
        "250000",
        "--force",
    )
    assert raised.exit_code == 0 and "in 2 = scored 2 + rejected 0" in raised.output
    lowered = _score(
        str(source), "-o", str(out), "--all", "--model", str(linear_model_dir), "--max-chars", "10", "--force"
    )
    assert "in 2 = scored 0 + rejected 2" in lowered.output
