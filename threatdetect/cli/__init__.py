"""The `threatdetect` command line: one typer app, one module per command.

Each command module is a thin wrapper around a plain function that can be called from Python;
heavy imports (torch, transformers) happen inside the commands so `--help` stays fast.
"""

from __future__ import annotations

from threatdetect.cli import (  # noqa: F401
    data_cmd,
    evaluate_cmd,
    normalize_cmd,
    report_cmd,
    score_cmd,
    serve_cmd,
    train_cmd,
)
from threatdetect.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
