"""`threatdetect serve`: the scoring model behind HTTP (FastAPI + uvicorn)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from threatdetect.cli.app import app
from threatdetect.modeling.base import Precision
from threatdetect.service.settings import (
    DEFAULT_BATCH_MAX_MESSAGES,
    DEFAULT_BATCH_WAIT_MS,
    DEFAULT_MAX_BATCH,
    DEFAULT_MAX_CHARS,
)


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def _require_service_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise ImportError(
            f"threatdetect serve needs {error.name}: install the service extra, "
            'pip install "threatdetect[service]"'
        ) from error


def run_serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    model: Path | None = None,
    thresholds: dict[str, float] | str | None = None,
    precision: str = Precision.auto,
    cascade: bool = True,
    max_batch: int = DEFAULT_MAX_BATCH,
    max_chars: int = DEFAULT_MAX_CHARS,
    max_body_bytes: int | None = None,
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS,
    batch_max_messages: int = DEFAULT_BATCH_MAX_MESSAGES,
    log_level: str = "info",
) -> None:
    """Serve the model until interrupted. The model directory is checked before the port opens."""
    _require_service_extra()
    from threatdetect.modeling.loader import default_model_dir
    from threatdetect.modeling.model_dir import ModelConfig
    from threatdetect.service import create_app
    from threatdetect.service.server import serve

    ModelConfig.load(model if model is not None else default_model_dir())  # fail now, not in the background
    service = create_app(
        model=model,
        thresholds=thresholds,
        precision=precision,
        cascade=cascade,
        max_batch=max_batch,
        max_chars=max_chars,
        max_body_bytes=max_body_bytes,
        batch_wait_ms=batch_wait_ms,
        batch_max_messages=batch_max_messages,
    )
    serve(service, host=host, port=port, log_level=log_level)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", "-H", help="Address to listen on (0.0.0.0: all)."),
    port: int = typer.Option(8000, "--port", "-p", help="Port to listen on."),
    model: Path = typer.Option(None, "--model", "-m", help="Model directory. Default: the shipped model."),
    threshold: list[str] = typer.Option(
        None, "--threshold", help="Override a threshold: --threshold hate=0.7"
    ),
    precision: Precision = typer.Option(
        Precision.auto,
        "--precision",
        help="Transformer number format; auto: bf16 where the CPU computes it natively, else fp32.",
    ),
    no_cascade: bool = typer.Option(False, "--no-cascade", help="Score every message with the transformer."),
    max_batch: int = typer.Option(
        DEFAULT_MAX_BATCH, "--max-batch", help="Most messages one request may carry (more: 413)."
    ),
    max_chars: int = typer.Option(
        DEFAULT_MAX_CHARS, "--max-chars", help="Most characters one message text may have (more: 422)."
    ),
    max_body_bytes: int = typer.Option(
        None, "--max-body-bytes", help="Largest request body (more: 413). Default: fits the limits above."
    ),
    batch_wait_ms: float = typer.Option(
        DEFAULT_BATCH_WAIT_MS,
        "--batch-wait-ms",
        help="How long to gather concurrent requests into one model call.",
    ),
    batch_max_messages: int = typer.Option(
        DEFAULT_BATCH_MAX_MESSAGES, "--batch-max-messages", help="Most messages in one model call."
    ),
    log_level: LogLevel = typer.Option(LogLevel.info, "--log-level", help="Server log level."),
) -> None:
    """Serve the model over HTTP: POST /v1/score, GET /healthz, /readyz, /v1/model and /docs."""
    from threatdetect.cli.score_cmd import parse_thresholds
    from threatdetect.modeling.model_dir import ModelDirError

    try:
        run_serve(
            host=host,
            port=port,
            model=model,
            thresholds=parse_thresholds(threshold),
            precision=precision,
            cascade=not no_cascade,
            max_batch=max_batch,
            max_chars=max_chars,
            max_body_bytes=max_body_bytes,
            batch_wait_ms=batch_wait_ms,
            batch_max_messages=batch_max_messages,
            log_level=log_level.value,
        )
    except (ImportError, ModelDirError, ValueError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
