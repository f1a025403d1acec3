"""`threatdetect data build|check`: build the corpus splits and validate them."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from threatdetect.cli.app import app

data_app = typer.Typer(help="Build and check the labelled corpus in data/.", no_args_is_help=True)
app.add_typer(data_app, name="data")

PHENOMENA_HELP = "Tag vocabulary of the corpus (phenomena per kind)."


def _in_checkout(path: Path, option: str) -> Path:
    """The defaults are repository paths: outside a checkout, say so instead of failing deeper down."""
    if not path.exists():
        typer.echo(
            f"error: {path} not found in {Path.cwd()}; `threatdetect data` works on a checkout of the "
            f"threatdetect repository: run it from the repository root or pass {option}",
            err=True,
        )
        raise typer.Exit(2)
    return path


@data_app.command("build")
def build_command(
    sources: Path = typer.Option(
        Path("data/corpus/written"), "--sources", help="Folder of authored TSV files."
    ),
    out: Path = typer.Option(
        Path("data/corpus"), "--out", "-o", help="Where train/dev/test.jsonl are written."
    ),
    phenomena: Path = typer.Option(Path("data/phenomena.json"), "--phenomena", help=PHENOMENA_HELP),
    seed: int = typer.Option(13, "--seed", help="Seed for splits and augmentation."),
    lenient: bool = typer.Option(
        False, "--lenient", help="Skip malformed source lines (listed) instead of failing."
    ),
    resplit: bool = typer.Option(
        False,
        "--resplit",
        help="Assign every group afresh (stratified) instead of keeping the splits already in --out.",
    ),
    challenge: Path = typer.Option(
        Path("data/challenge"),
        "--challenge",
        help="Blind challenge set: no augmented copy may paraphrase it.",
    ),
    suite: Path = typer.Option(
        Path("data/functional/suite.tsv"),
        "--suite",
        help="Functional suite: no augmented copy may paraphrase it.",
    ),
) -> None:
    """Group near-duplicates, split 70/15/15 by group, augment train, write JSON Lines.

    Messages already in --out keep their split; only new messages are assigned (see --resplit).
    Augmented copies that would repeat a text, come near a dev or test message, or paraphrase the
    challenge set or the functional suite are left out (counted as augmented_dropped).
    """
    from threatdetect.corpus.build import build_corpus, held_out_texts
    from threatdetect.corpus.sources import SourceError

    _in_checkout(sources, "--sources")
    _in_checkout(phenomena, "--phenomena")
    _in_checkout(suite, "--suite")
    _in_checkout(challenge, "--challenge")
    try:
        report = build_corpus(
            sources,
            out,
            phenomena,
            seed,
            strict=not lenient,
            previous=None if resplit else out,
            held_out=held_out_texts(challenge, suite),
        )
    except SourceError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(json.dumps(report.__dict__, indent=2))


@data_app.command("check")
def check_command(
    corpus: Path = typer.Option(Path("data/corpus"), "--corpus", help="Folder with train/dev/test.jsonl."),
    datasheet: Path = typer.Option(Path("data/DATASHEET.md"), "--datasheet", help="Datasheet to update."),
    write_datasheet: bool = typer.Option(
        False, "--write-datasheet", "-w", help="Regenerate the datasheet tables."
    ),
    challenge: Path = typer.Option(
        Path("data/challenge"), "--challenge", help="Folder of the blind challenge set (checked too)."
    ),
    suite: Path = typer.Option(
        Path("data/functional/suite.tsv"), "--suite", help="Functional suite (kept apart from the corpus)."
    ),
    phenomena: Path = typer.Option(Path("data/phenomena.json"), "--phenomena", help=PHENOMENA_HELP),
) -> None:
    """Validate schema, labels, duplicates, split leakage, counts, shortcuts and the challenge set."""
    from threatdetect.corpus.challenge import ChallengeError
    from threatdetect.corpus.check import check_corpus, check_held_out_sets
    from threatdetect.corpus.datasheet import write_datasheet_tables

    for path, option in ((corpus, "--corpus"), (suite, "--suite"), (phenomena, "--phenomena")):
        _in_checkout(path, option)
    if write_datasheet:
        _in_checkout(datasheet, "--datasheet")
    result = check_corpus(corpus, phenomena)
    if result.stats:
        try:
            result.stats["held_out"] = check_held_out_sets(corpus, challenge, suite, result.problems)
        except (ChallengeError, ValueError, OSError) as error:
            result.problems.append(str(error))
    typer.echo(json.dumps(result.stats, indent=2, ensure_ascii=False))
    for problem in result.problems:
        typer.echo(f"problem: {problem}", err=True)
    if write_datasheet and result.stats:
        write_datasheet_tables(datasheet, corpus)
        typer.echo(f"datasheet tables written to {datasheet}")
    if not result.ok:
        raise typer.Exit(1)
    typer.echo("corpus OK")
