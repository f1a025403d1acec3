"""Tests for `threatdetect normalize` through typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from threatdetect.cli import app

runner = CliRunner()


def invoke(*args: str, stdin: str | None = None):
    result = runner.invoke(app, ["normalize", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_argument_prints_normalised_text() -> None:
    assert invoke("Ik m@@k je d o o d 🔪 @wethouder") == "Ik maak je dood 🔪 mes @USER\n"


def test_stdin_one_message_per_line() -> None:
    assert invoke(stdin="gwn k*nker\nh44t\n") == "gewoon kanker\nhaat\n"


def test_dash_reads_stdin() -> None:
    assert invoke("-", stdin="ff w8\n") == "even wacht\n"


@pytest.mark.parametrize(
    ("flag", "raw", "expected"),
    [
        ("--no-deobfuscate", "k*nker", "k*nker"),
        ("-D", "k*nker", "k*nker"),
        ("--no-placeholders", "@jan", "@jan"),
        ("--no-map-emoji", "🔪", "🔪"),
        ("--no-expand-abbreviations", "gwn", "gwn"),
        ("--no-squeeze-elongations", "doooood", "doooood"),
        ("--no-segment-hashtags", "#ikmaakjeaf", "#ikmaakjeaf"),
        ("--no-repair-encoding", "ｄｏｏｄ", "ｄｏｏｄ"),
    ],
)
def test_step_flags(flag: str, raw: str, expected: str) -> None:
    assert invoke(flag, raw) == expected + "\n"


def test_tokens_table_shows_raw_spans_and_source() -> None:
    output = invoke("--tokens", "gwn d o o d")
    lines = output.strip().splitlines()
    assert lines[0].split() == ["token", "start", "end", "raw", "source"]
    assert lines[1].split() == ["gewoon", "0", "3", "gwn", "abbreviation"]
    assert lines[2].split() == ["dood", "4", "11", "d", "o", "o", "d", "deobfuscated"]


def test_json_output() -> None:
    output = invoke("--json", "h44t 🔪")
    data = json.loads(output)
    assert data["raw"] == "h44t 🔪"
    assert data["text"] == "haat 🔪 mes"
    assert data["tokens"][0] == {
        "text": "haat",
        "lower": "haat",
        "start": 0,
        "end": 4,
        "source": "deobfuscated",
    }
    assert data["tokens"][2]["source"] == "emoji"


def test_json_lines_from_stdin() -> None:
    lines = invoke("-j", stdin="a\nb\n").strip().splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["a", "b"]


def test_help_lists_every_option_with_help() -> None:
    result = runner.invoke(app, ["normalize", "--help"])
    assert result.exit_code == 0
    for option in ["--tokens", "--json", "--no-deobfuscate", "--no-placeholders", "--no-map-emoji"]:
        assert option in result.output
