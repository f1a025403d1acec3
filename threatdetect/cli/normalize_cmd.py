"""`threatdetect normalize`: print normalised Dutch social-media text (a thin wrapper).

threatdetect normalize "Ik m@@k je d o o d 🔪"
threatdetect normalize --tokens "gwn k*nker"
cat berichten.txt | threatdetect normalize --json --no-deobfuscate
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import typer

from threatdetect.cli.app import app
from threatdetect.normalize import NormalizedText, Normalizer, NormalizerSettings


def normalize_messages(messages: Iterator[str], settings: NormalizerSettings) -> Iterator[NormalizedText]:
    """Normalise a stream of messages (the Python function behind the command)."""
    yield from Normalizer(settings).pipe(messages)


def _as_json(doc: NormalizedText) -> str:
    return json.dumps(
        {
            "raw": doc.raw,
            "text": doc.text,
            "lower": doc.lower,
            "tokens": [token._asdict() for token in doc.tokens],
        },
        ensure_ascii=False,
    )


def _token_table(doc: NormalizedText) -> str:
    rows = [("token", "start", "end", "raw", "source")]
    rows += [(t.text, str(t.start), str(t.end), doc.evidence(t), t.source) for t in doc.tokens]
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _read_stdin() -> Iterator[str]:
    for line in sys.stdin:
        yield line.rstrip("\r\n")


@app.command("normalize")
def normalize_command(
    text: str = typer.Argument(
        None, help="Message to normalise; omit it or pass '-' to read one message per line from stdin."
    ),
    tokens: bool = typer.Option(
        False, "--tokens", "-t", help="Print a table of tokens with raw spans and source."
    ),
    as_json: bool = typer.Option(
        False, "--json", "-j", help="Print one JSON object per message (JSON Lines)."
    ),
    no_repair_encoding: bool = typer.Option(
        False,
        "--no-repair-encoding",
        "-E",
        help="Skip mojibake repair, NFKC, invisible characters and homoglyphs.",
    ),
    no_placeholders: bool = typer.Option(
        False, "--no-placeholders", "-P", help="Keep URLs, @mentions, e-mail addresses and phone numbers."
    ),
    no_squeeze_elongations: bool = typer.Option(
        False, "--no-squeeze-elongations", "-S", help="Keep elongations such as 'doooood' and '!!!!!'."
    ),
    no_deobfuscate: bool = typer.Option(
        False, "--no-deobfuscate", "-D", help="Keep spaced, dotted, masked and leetspeak spellings."
    ),
    no_map_emoji: bool = typer.Option(
        False, "--no-map-emoji", "-M", help="Do not add Dutch words after threat emoji."
    ),
    no_expand_abbreviations: bool = typer.Option(
        False, "--no-expand-abbreviations", "-A", help="Keep chat abbreviations such as 'gwn' and 'kheb'."
    ),
    no_segment_hashtags: bool = typer.Option(
        False, "--no-segment-hashtags", "-H", help="Keep hashtags whole instead of splitting them into words."
    ),
) -> None:
    """Normalise Dutch social-media text; the raw text stays available through the token spans."""
    settings = NormalizerSettings(
        repair_encoding=not no_repair_encoding,
        placeholders=not no_placeholders,
        squeeze_elongations=not no_squeeze_elongations,
        deobfuscate=not no_deobfuscate,
        map_emoji=not no_map_emoji,
        expand_abbreviations=not no_expand_abbreviations,
        segment_hashtags=not no_segment_hashtags,
    )
    messages = _read_stdin() if text is None or text == "-" else iter([text])
    for doc in normalize_messages(messages, settings):
        if as_json:
            typer.echo(_as_json(doc))
        elif tokens:
            typer.echo(_token_table(doc) + "\n")
        else:
            typer.echo(doc.text)
