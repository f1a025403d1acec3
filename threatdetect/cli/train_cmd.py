"""`threatdetect train` (and `python train.py`): train a model from a YAML config."""

from __future__ import annotations

import logging

import typer

from threatdetect.cli.app import app


def run_training(
    config_path: str,
    overrides: list[str] | None = None,
    output_dir: str | None = None,
    reuse: str | None = None,
):
    """Load and validate the config, then train (or reuse trained stages); returns the TrainResult."""
    from pathlib import Path

    from threatdetect.training.config import load_config
    from threatdetect.training.train import train

    overrides = list(overrides or [])
    if output_dir:
        overrides.append(f"output_dir={output_dir}")
    config = load_config(config_path, overrides)
    return train(config, reuse=Path(reuse) if reuse else None)


@app.command("train")
def train_command(
    config: str = typer.Option(
        ..., "--config", "-c", help="Training config (YAML), e.g. configs/linear.yaml."
    ),
    set_: list[str] = typer.Option(
        None, "--set", "-s", help="Override a config key: --set transformer.epochs=2"
    ),
    output: str = typer.Option(
        None, "--output", "-o", help="Write the model here instead of the config's output_dir."
    ),
    reuse: str = typer.Option(
        None,
        "--reuse-stages",
        help="A cascade directory trained from this config and data: keep its trained stages and redo "
        "only blending, thresholds, gates, evaluation and card (after a change of thresholds or cascade "
        "settings).",
    ),
    validate_only: bool = typer.Option(False, "--validate", help="Only validate the config and exit."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress (never message texts)."),
) -> None:
    """Train a model on labelled data and write a model directory with config, weights and card."""
    from threatdetect.modeling.model_dir import ModelDirError
    from threatdetect.training.config import ConfigError, load_config
    from threatdetect.training.train import summary_numbers

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    try:
        if validate_only:
            load_config(config, set_ or [])
            typer.echo(f"{config}: valid")
            return
        result = run_training(config, set_ or [], output, reuse)
    except (ConfigError, ModelDirError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"model written to {result.output_dir}")
    for name, value in summary_numbers(result.metrics).items():
        typer.echo(f"  {name}: macro-F1 {value:.3f}")


def train_main() -> None:
    """Entry point for `python train.py`: the same options as `threatdetect train`."""
    typer.run(train_command)
