"""`threatdetect report SCORED.jsonl -o report.html`: the HTML evidence report for scored messages."""

from __future__ import annotations

from pathlib import Path

import typer

from threatdetect.cli.app import app
from threatdetect.report.html import Language


@app.command("report")
def report_command(
    scored: Path = typer.Argument(..., help="Scored JSONL written by 'threatdetect score -o'."),
    output: Path = typer.Option(None, "--output", "-o", help="The HTML report. Default: SCORED with .html."),
    lang: Language = typer.Option(Language.nl, "--lang", "-l", help="Report language."),
    source: list[Path] = typer.Option(
        None, "--source", "-s", help="A scored input file, to list with its SHA-256 (repeatable)."
    ),
    model_name: str = typer.Option("", "--model-name", help="Model name to print in the report header."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing report."),
) -> None:
    """Write a self-contained HTML evidence report of the flagged messages in SCORED."""
    from threatdetect.io.records import InputError
    from threatdetect.report.html import render_report_file

    output = output or scored.with_suffix(".html")
    if output.exists() and not force:
        typer.echo(f"error: {output} exists; use --force to overwrite", err=True)
        raise typer.Exit(2)
    try:
        render_report_file(scored, output, lang=lang, sources=source or (), model_name=model_name)
    except InputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"report written to {output}", err=True)
