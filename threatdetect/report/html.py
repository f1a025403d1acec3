"""Render flagged messages as a self-contained HTML evidence report (Dutch by default, or English).

One file, inline CSS, no scripts and nothing loaded from elsewhere, so it can be mailed, archived and
printed to PDF from any browser. UI text lives in `strings_<lang>.json`; the page in
`templates/report.html.j2` (jinja2 with autoescaping: message texts can never become markup).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from threatdetect.io.records import InputError
from threatdetect.labels import DUTCH_NAMES
from threatdetect.report.evidence import build_report_data, display_time

HERE = Path(__file__).resolve().parent


class Language(StrEnum):
    """The languages the report is written in: a `strings_<lang>.json` each."""

    nl = "nl"
    en = "en"


LANGUAGES = tuple(language.value for language in Language)
TEMPLATE = "report.html.j2"


@lru_cache(maxsize=len(LANGUAGES))
def load_strings(lang: str) -> dict[str, Any]:
    """The UI strings for `lang`; label names default to the Dutch ones in threatdetect.labels."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    strings = json.loads((HERE / f"strings_{lang}.json").read_text(encoding="utf-8"))
    strings["label_names"] = {**DUTCH_NAMES, **strings.get("label_names", {})}
    return strings


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(
    records: Iterable[Mapping[str, Any]],
    out: Path,
    *,
    lang: str = "nl",
    sources: Sequence[Path] = (),
    model_name: str = "",
    model_version: str = "",
    created: datetime | None = None,
) -> Path:
    """Write the report for the flagged records among `records` to `out`; returns `out`.

    `records` are scored records as `threatdetect score` writes them. Without `sources`, the
    `source` files named in the records are hashed (when they exist).
    """
    from threatdetect import __version__

    strings = load_strings(lang)
    data = build_report_data(
        records,
        sources=sources,
        model_name=model_name,
        model_version=model_version or __version__,
        created=created,
    )
    html = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            data=data,
            s=strings,
            names=strings["label_names"],
            when=lambda timestamp: display_time(timestamp, strings["datetime_format"]),
        )
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def read_scored(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a scored JSONL file; InputError (with line) for anything else."""
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "file not found; give the JSONL that 'threatdetect score -o' wrote")
    with path.open(encoding="utf-8") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                raise InputError(
                    str(path),
                    f"not JSON ({error.msg}); the report reads the JSONL that 'threatdetect score' writes "
                    "(-o out.jsonl), not CSV",
                    line=line,
                ) from error
            if not isinstance(record, dict) or "text" not in record:
                raise InputError(str(path), "not a scored record (no 'text')", line=line, field="text")
            yield record


def render_report_file(
    scored_jsonl: Path,
    out: Path,
    *,
    lang: str = "nl",
    sources: Sequence[Path] = (),
    model_name: str = "",
    model_version: str = "",
) -> Path:
    """`render_report` for a scored JSONL file written by `threatdetect score`."""
    # Only flagged records are kept in memory; a broken line raises before anything is written.
    return render_report(
        read_scored(scored_jsonl),
        out,
        lang=lang,
        sources=sources,
        model_name=model_name,
        model_version=model_version,
    )
