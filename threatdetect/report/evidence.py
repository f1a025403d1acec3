"""What goes into the evidence report, worked out before any HTML: grouping, hashes, dates.

Each flagged message appears once, under its most severe label (death_threat, then intimidation,
then hate); within a group messages keep their input order. Source files are hashed (SHA-256) so
that whoever receives the report can check it describes the same files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from threatdetect.labels import SEVERITY_ORDER, most_severe
from threatdetect.report.highlight import Segment, highlight_segments
from threatdetect.scoring.results import text_sha256

HASH_CHUNK = 1 << 20
DISPLAY_TIMEZONE = "Europe/Amsterdam"


@dataclass
class SourceFile:
    path: str
    sha256: str | None
    size: int | None


@dataclass
class Score:
    label: str
    value: float
    over_threshold: bool


@dataclass
class FlaggedMessage:
    id: str
    severity: str
    labels: list[str]
    text: str
    segments: list[Segment]
    scores: list[Score]
    sha256: str
    author: str | None
    timestamp: str | None
    platform: str | None
    url: str | None
    link: str | None  # the url when it is http(s), the only schemes the page turns into links
    source: str | None
    record: int | None


@dataclass
class SeverityGroup:
    label: str
    messages: list[FlaggedMessage] = field(default_factory=list)
    with_label: int = 0


@dataclass
class ReportData:
    created: datetime
    model_name: str
    model_version: str
    sources: list[SourceFile]
    groups: list[SeverityGroup]

    @property
    def total(self) -> int:
        return sum(len(group.messages) for group in self.groups)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_source(path: Path) -> SourceFile:
    if not path.is_file():
        return SourceFile(str(path), None, None)
    return SourceFile(str(path), file_sha256(path), path.stat().st_size)


def _severity_of(record: Mapping[str, Any]) -> str:
    labels = record.get("labels") or []
    severe = most_severe(list(labels))
    if severe is not None:
        return severe
    scores = record.get("scores") or {}
    return max(SEVERITY_ORDER, key=lambda label: float(scores.get(label, 0.0)))


def _safe_link(url: Any) -> str | None:
    """Only http(s) URLs become links: a `javascript:` or `data:` URL from a dump must stay text."""
    if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
        return url
    return None


def flagged_message(record: Mapping[str, Any]) -> FlaggedMessage:
    text = str(record.get("text", ""))
    labels = [label for label in SEVERITY_ORDER if label in (record.get("labels") or [])]
    scores = record.get("scores") or {}
    return FlaggedMessage(
        id=str(record.get("id", "")),
        severity=_severity_of(record),
        labels=labels,
        text=text,
        segments=highlight_segments(text, record.get("spans") or []),
        scores=[Score(label, float(scores.get(label, 0.0)), label in labels) for label in SEVERITY_ORDER],
        # Recomputed, never copied: the page must show the hash of the text it shows.
        sha256=text_sha256(text),
        author=record.get("author"),
        timestamp=record.get("timestamp"),
        platform=record.get("platform"),
        url=record.get("url"),
        link=_safe_link(record.get("url")),
        source=record.get("source"),
        record=record.get("record"),
    )


def build_report_data(
    records: Iterable[Mapping[str, Any]],
    *,
    sources: Sequence[Path],
    model_name: str,
    model_version: str,
    created: datetime | None,
) -> ReportData:
    groups = {label: SeverityGroup(label) for label in SEVERITY_ORDER}
    seen_sources: list[str] = []
    for record in records:
        if not record.get("flagged"):
            continue
        message = flagged_message(record)
        groups[message.severity].messages.append(message)
        for label in message.labels:
            groups[label].with_label += 1
        if message.source and message.source not in seen_sources:
            seen_sources.append(message.source)
    paths = list(sources) or [Path(source) for source in seen_sources]
    return ReportData(
        created=(created or datetime.now(UTC)),
        model_name=model_name,
        model_version=model_version,
        sources=[describe_source(Path(path)) for path in paths],
        groups=[groups[label] for label in SEVERITY_ORDER],
    )


def display_time(timestamp: str | None, fmt: str) -> tuple[str | None, str | None]:
    """(UTC time as `fmt`, Dutch local time as `fmt`) for an ISO timestamp; the raw value if unparseable."""
    if not timestamp:
        return None, None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp, None
    if moment.tzinfo is None:
        return moment.strftime(fmt), None
    try:
        from zoneinfo import ZoneInfo

        local = moment.astimezone(ZoneInfo(DISPLAY_TIMEZONE)).strftime(fmt)
    except (ImportError, KeyError, OSError, ValueError):
        local = None
    return moment.astimezone(UTC).strftime(fmt) + " UTC", local
