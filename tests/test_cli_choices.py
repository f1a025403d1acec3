"""Options with a fixed set of values are typer Enum choices: checked, listed in --help, and kept in
step with the values the library accepts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from threatdetect.cli import app
from threatdetect.modeling.base import Precision
from threatdetect.modeling.transformer import PRECISIONS
from threatdetect.report.html import LANGUAGES, Language

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["score", "examples/replies.jsonl", "--lang", "de"], "--lang"),
        (["score", "examples/replies.jsonl", "--precision", "fp16"], "--precision"),
        (["report", "examples/replies.jsonl", "--lang", "fr"], "--lang"),
    ],
)
def test_an_unknown_choice_is_a_usage_error_naming_the_option(args, option):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}" in result.output
    assert "is not one of" in result.output


def test_help_lists_the_choices():
    score_help = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "200"}).output
    assert "nl|en" in score_help and "auto|fp32|bf16|int8" in score_help


def test_choices_match_what_the_library_accepts():
    assert tuple(Language) == LANGUAGES
    assert set(Precision) == {"auto", *PRECISIONS}
