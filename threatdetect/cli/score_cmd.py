"""`threatdetect score INPUT... [-o OUT]`: score message dumps with a model."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path

import typer

from threatdetect.cli.app import app
from threatdetect.modeling.base import Precision
from threatdetect.report.html import Language

logger = logging.getLogger(__name__)


class Engine(StrEnum):
    """Where messages are scored: in this process, or on Spark (`pip install "threatdetect[spark]"`)."""

    local = "local"
    spark = "spark"


def parse_thresholds(values: list[str] | None) -> dict[str, float]:
    from threatdetect.labels import LABELS

    thresholds = {}
    for value in values or []:
        label, _, number = value.partition("=")
        if label not in LABELS or not number:
            raise typer.BadParameter(
                f"expected LABEL=VALUE with LABEL one of {', '.join(LABELS)}, got {value!r}"
            )
        try:
            thresholds[label] = float(number)
        except ValueError as error:
            raise typer.BadParameter(f"threshold for {label} must be a number, got {number!r}") from error
        if not 0.0 <= thresholds[label] <= 1.0:
            raise typer.BadParameter(f"threshold for {label} must be between 0 and 1")
    return thresholds


def run_score(
    inputs: list[Path],
    output: Path | None = None,
    *,
    model: Path | None = None,
    fmt: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    include_all: bool = False,
    thresholds: dict[str, float] | str | None = None,
    errors_path: Path | None = None,
    report: Path | None = None,
    lang: str = Language.nl,
    cascade: bool = True,
    dedup: bool = True,
    progress: bool = False,
    precision: str = Precision.auto,
    max_chars: int | None = None,
    engine: str = Engine.local,
    spark_master: str | None = None,
):
    """Score every input file; returns the ScoreSummary. Raises InputError on fatal input problems.

    Texts longer than `max_chars` characters (the readers' MAX_TEXT_CHARS by default) are rejected.
    `engine="spark"` reads and scores on Spark (`threatdetect.integrations.spark_dumps`), with the
    same output; `spark_master` is the master URL when no Spark session is running yet.
    """
    import itertools
    import tempfile

    from threatdetect import __version__
    from threatdetect.io.readers import MAX_TEXT_CHARS, read_messages
    from threatdetect.io.writers import RecordWriter
    from threatdetect.scoring.batch import open_output, score_stream
    from threatdetect.scoring.detector import Detector

    if report is not None:
        from threatdetect.report.html import load_strings

        load_strings(lang)  # an unknown language fails now, not after an hour of scoring
    if engine == Engine.spark:
        from threatdetect.integrations.spark_dumps import SparkDumps

        dumps = SparkDumps.plan(
            inputs,
            fmt=fmt,
            text_field=text_field,
            id_field=id_field,
            max_chars=max_chars or MAX_TEXT_CHARS,
            model=model,
            thresholds=thresholds,
            cascade=cascade,
            precision=precision,
        )
        model_name = dumps.model_name
    else:
        # Readers check their input eagerly, so a missing file or field fails before the model loads.
        streams = [
            read_messages(
                path, fmt=fmt, text_field=text_field, id_field=id_field, max_chars=max_chars or MAX_TEXT_CHARS
            )
            for path in inputs
        ]
        detector = Detector.load(model, thresholds=thresholds, cascade=cascade, precision=precision)
        model_name = detector.name
    if errors_path is None:
        errors_path = (
            output.with_name(output.stem + ".errors.jsonl") if output else Path("threatdetect-errors.jsonl")
        )
    flagged_file = None
    if report is not None:
        # The report reads flagged records from JSONL, whatever format the main output has.
        report.parent.mkdir(parents=True, exist_ok=True)
        flagged_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed and removed in the finally below)
            "w", encoding="utf-8", suffix=".jsonl", dir=report.parent, delete=False
        )
    handle = open_output(output)
    try:
        with errors_path.open("w", encoding="utf-8") as errors:
            writer = RecordWriter(handle, RecordWriter.format_for(output))
            flagged_writer = RecordWriter(flagged_file, "jsonl") if flagged_file else None
            if engine == Engine.spark:
                summary = dumps.score(
                    writer,
                    errors,
                    include_all=include_all,
                    flagged_writer=flagged_writer,
                    master=spark_master,
                    progress=progress,
                )
            else:
                summary = score_stream(
                    itertools.chain.from_iterable(streams),
                    detector,
                    writer,
                    errors,
                    include_all=include_all,
                    progress=progress,
                    flagged_writer=flagged_writer,
                    dedup=dedup,
                )
        if flagged_file is not None:
            from threatdetect.report.html import render_report_file

            flagged_file.close()
            render_report_file(
                Path(flagged_file.name),
                report,
                lang=lang,
                sources=inputs,
                model_name=model_name,
                model_version=f"threatdetect {__version__}",
            )
    finally:
        if handle is not sys.stdout:
            handle.close()
        if flagged_file is not None:
            # Flagged messages are personal data: never leave the intermediate file behind.
            flagged_file.close()
            Path(flagged_file.name).unlink(missing_ok=True)
    summary.sources = [str(p) for p in inputs]
    if summary.rejected == 0:
        errors_path.unlink(missing_ok=True)
    summary.errors_path = str(errors_path) if summary.rejected else None
    return summary


@app.command("score")
def score_command(
    inputs: list[Path] = typer.Argument(
        ..., help="Message dumps: JSONL, CSV/TSV, JSON, Parquet, X/Facebook/Instagram exports."
    ),
    output: Path = typer.Option(
        None, "--output", "-o", help="Output file (.jsonl, or .csv for CSV). Default: stdout."
    ),
    model: Path = typer.Option(None, "--model", "-m", help="Model directory. Default: the shipped model."),
    fmt: str = typer.Option(
        None, "--format", "-f", help="Input format; detected from the file when omitted."
    ),
    text_field: str = typer.Option(
        "text", "--text-field", "-t", help="Field holding the message text (generic files)."
    ),
    id_field: str = typer.Option("id", "--id-field", help="Field holding the message id (generic files)."),
    include_all: bool = typer.Option(
        False, "--all", "-a", help="Write every message, not only flagged ones."
    ),
    threshold: list[str] = typer.Option(
        None, "--threshold", help="Override a threshold: --threshold hate=0.7"
    ),
    preset: str = typer.Option(
        None,
        "--thresholds",
        help="A threshold preset of the model instead of its default, e.g. 'recall' (more flags, fewer misses).",
    ),
    errors: Path = typer.Option(
        None, "--errors", "-e", help="Where rejected records go (default: OUT.errors.jsonl)."
    ),
    report: Path = typer.Option(None, "--report", "-r", help="Also write an HTML evidence report here."),
    lang: Language = typer.Option(Language.nl, "--lang", help="Report language."),
    no_cascade: bool = typer.Option(False, "--no-cascade", help="Score every message with the transformer."),
    no_dedup: bool = typer.Option(
        False, "--no-dedup", help="Score repeated texts again (default: each distinct text once per run)."
    ),
    precision: Precision = typer.Option(
        Precision.auto,
        "--precision",
        help="Transformer number format; auto: bf16 where the CPU computes it natively, else fp32.",
    ),
    max_chars: int = typer.Option(
        None,
        "--max-chars",
        min=1,
        help="Reject texts longer than this many characters (default 200,000). Long texts are scored "
        "in windows, a few seconds per 100,000 characters.",
    ),
    engine: Engine = typer.Option(
        Engine.local,
        "--engine",
        help="Score here (local) or on Spark (spark: JSONL, CSV/TSV and Parquet files or folders, on any "
        "file system Spark reads; needs threatdetect[spark] and Java 17).",
    ),
    spark_master: str = typer.Option(
        None,
        "--spark-master",
        help="With --engine spark: the master URL (local[4], spark://host:7077). Default: spark-submit's, "
        "else local[*].",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no summary."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing output file."),
) -> None:
    """Score message dumps for hate, intimidation and death threats; write flagged messages (or --all)."""
    from threatdetect.io.records import InputError
    from threatdetect.modeling.model_dir import ModelDirError

    if preset and threshold:
        typer.echo("error: use either --thresholds PRESET or --threshold LABEL=VALUE, not both", err=True)
        raise typer.Exit(2)
    for target in (output, report):
        if target is not None and target.exists() and not force:
            typer.echo(f"error: {target} exists; use --force to overwrite", err=True)
            raise typer.Exit(2)
    try:
        summary = run_score(
            inputs,
            output,
            model=model,
            fmt=fmt,
            text_field=text_field,
            id_field=id_field,
            include_all=include_all,
            thresholds=preset or parse_thresholds(threshold),
            errors_path=errors,
            report=report,
            lang=lang,
            cascade=not no_cascade,
            dedup=not no_dedup,
            progress=not quiet and sys.stderr.isatty(),
            precision=precision,
            max_chars=max_chars,
            engine=engine,
            spark_master=spark_master,
        )
    except (InputError, ModelDirError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    except ImportError as error:
        if engine != Engine.spark:
            raise
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    if not quiet:
        for line in summary.lines():
            typer.echo(line, err=True)
        if summary.rejected:
            typer.echo(f"rejected records listed in {summary.errors_path}", err=True)
        if report is not None:
            typer.echo(f"report written to {report}", err=True)
