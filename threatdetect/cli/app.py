"""The typer app that every command module registers itself on."""

from __future__ import annotations

import typer

from threatdetect import __version__

app = typer.Typer(
    name="threatdetect",
    help="Find threats, intimidation and hate in Dutch social-media messages.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"threatdetect {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        "-V",
        callback=_version_callback,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Find threats, intimidation and hate in Dutch social-media messages."""
