"""`threatdetect evaluate --model DIR FILE`: metrics of a model on a labelled file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from threatdetect.cli.app import app


@app.command("evaluate")
def evaluate_command(
    files: list[Path] = typer.Argument(
        ..., help="Labelled JSONL/CSV/Parquet files, the functional suite TSV, or the challenge folder."
    ),
    model: Path = typer.Option(None, "--model", "-m", help="Model directory. Default: the shipped model."),
    output: Path = typer.Option(None, "--output", "-o", help="Also write the reports as JSON here."),
    text_column: str = typer.Option("text", "--text-field", "-t", help="Column with the message text."),
    no_cascade: bool = typer.Option(False, "--no-cascade", help="Evaluate the transformer alone."),
    thresholds: str = typer.Option(
        None, "--thresholds", help="A threshold preset of the model (e.g. 'recall') instead of its default."
    ),
    figures: Path = typer.Option(
        None, "--figures", help="Write a reliability diagram and PR curves (PNG) per file into this folder."
    ),
) -> None:
    """Per-label precision, recall, F1 and PR-AUC, accuracy per phenomenon, capability or category,
    bias AUCs per identity group and target gender, error slices, calibration and stream precision."""
    from threatdetect.evaluation.analysis import write_plots
    from threatdetect.evaluation.metrics import format_report
    from threatdetect.evaluation.run import evaluate_file, format_analysis
    from threatdetect.modeling.model_dir import ModelDirError
    from threatdetect.scoring.detector import Detector

    try:
        detector = Detector.load(model, cascade=not no_cascade, thresholds=thresholds)
    except (ModelDirError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    reports = {}
    for path in files:
        try:
            evaluation = evaluate_file(detector, path, text_column=text_column)
        except (ValueError, OSError) as error:  # LabelledDataError is a ValueError
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from error
        typer.echo(format_report(evaluation.report, f"{path} ({detector.name})"))
        rejected = evaluation.rejected_rows
        if rejected:
            typer.echo(f"{len(rejected)} row(s) rejected, e.g. row {rejected[0].row}: {rejected[0].reason}")
        reports[str(path)] = evaluation.report.to_dict()
        if evaluation.analysis is not None:
            typer.echo(format_analysis(evaluation.analysis))
            reports[str(path)]["analysis"] = evaluation.analysis
            if figures is not None and evaluation.probabilities is not None:
                stem = path.stem or path.name
                for written in write_plots(evaluation.probabilities, evaluation.labels, figures, stem):
                    typer.echo(f"figure written to {written}")
    if output is not None:
        output.write_text(json.dumps(reports, indent=2, ensure_ascii=False))
        typer.echo(f"reports written to {output}")
