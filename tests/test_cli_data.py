"""`threatdetect data build|check` outside a checkout: the repository defaults fail with a clear message."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from threatdetect.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("arguments", "missing", "option"),
    [
        (["data", "build"], "data/corpus/written", "--sources"),
        (["data", "build", "--sources", "."], "data/phenomena.json", "--phenomena"),
        (["data", "check"], "data/corpus", "--corpus"),
        (["data", "check", "--corpus", ".", "--suite", "."], "data/phenomena.json", "--phenomena"),
    ],
)
def test_repository_defaults_outside_a_checkout_name_the_path_and_the_option(
    tmp_path, monkeypatch, arguments, missing, option
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2
    assert f"error: {missing} not found in {tmp_path}" in result.output
    assert "checkout of the threatdetect repository" in result.output and f"pass {option}" in result.output
