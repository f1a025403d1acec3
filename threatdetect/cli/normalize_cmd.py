"""`threatdetect normalize`: placeholder replaced by the normaliser work."""

from __future__ import annotations

import typer

from threatdetect.cli.app import app


@app.command("normalize")
def normalize_command(text: str = typer.Argument(None, help="Text to normalise; read from stdin when omitted.")) -> None:
    """Normalise Dutch social-media text."""
    raise typer.Exit(1)
