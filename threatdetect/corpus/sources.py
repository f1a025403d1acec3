"""Read the authored TSV sources in `data/corpus/written/` (format in its README)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from threatdetect.labels import LABELS, parse_label_code

TARGETS = ("politician", "individual", "group", "none")
GENDERS = {"f": "female", "m": "male", "x": "mixed_or_nonbinary", "-": None}
STYLES = ("x_reply", "x_post", "fb_comment", "ig_comment", "dm", "forum", "email", "youtube_comment")
#: Unflagged messages of everyday form and content (replies, questions, opinions, rudeness).
ORDINARY_TAGS = frozenset(
    {
        "neutral",
        "short_reply",
        "link_share",
        "topic_opinion",
        "rude_harmless",
        "support",
        "political_criticism",
    }
)
INSULT_TAGS = frozenset({"personal_insult", "stock_curse"})


class SourceError(ValueError):
    """An authored line is malformed; the message names file, line and field."""


@dataclass
class WrittenMessage:
    text: str
    labels: dict[str, int]
    target: str
    target_gender: str | None
    style: str
    phenomena: list[str]
    source_file: str
    line: int
    group_hint: str | None = None
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_phenomena(path: Path) -> dict[str, dict[str, str]]:
    """The tag vocabulary (`data/phenomena.json` in the repository): kind -> tag -> description."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {kind: tags for kind, tags in data.items() if not kind.startswith("_")}


def known_tags(path: Path) -> set[str]:
    return {tag for tags in load_phenomena(path).values() for tag in tags}


def parse_line(line: str, source: str, number: int, tags: set[str]) -> WrittenMessage:
    fields = line.rstrip("\n").split("\t")
    if len(fields) != 6:
        raise SourceError(f"{source}: line {number}: expected 6 tab-separated fields, got {len(fields)}")
    code, target, gender, style, phenomena_field, text = fields
    try:
        labels = parse_label_code(code)
    except ValueError as error:
        raise SourceError(f"{source}: line {number}: field 'labels': {error}") from error
    if "D" in code and "I" not in code:
        raise SourceError(f"{source}: line {number}: field 'labels': D must come with I (write DI)")
    if target not in TARGETS:
        raise SourceError(f"{source}: line {number}: field 'target': {target!r} not in {', '.join(TARGETS)}")
    if gender not in GENDERS:
        raise SourceError(f"{source}: line {number}: field 'target_gender': {gender!r} not in f, m, x, -")
    if style not in STYLES:
        raise SourceError(f"{source}: line {number}: field 'style': {style!r} not in {', '.join(STYLES)}")
    group_hint = None
    phenomena = []
    for tag in (t.strip() for t in phenomena_field.split(",")):
        if not tag:
            continue
        if tag.startswith("group="):
            group_hint = tag[len("group=") :]
            continue
        if tag not in tags:
            raise SourceError(f"{source}: line {number}: field 'phenomena': unknown tag {tag!r}")
        phenomena.append(tag)
    if not phenomena:
        raise SourceError(f"{source}: line {number}: field 'phenomena': at least one tag is required")
    # One-word and emoji-only replies ("hoi", "👍", "Eens!") are real messages and belong in the corpus.
    words = len(text.split())
    if not 1 <= words <= 80:
        raise SourceError(f"{source}: line {number}: field 'text': {words} words, expected 1 to 80")
    return WrittenMessage(
        text.strip(), labels, target, GENDERS[gender], style, phenomena, source, number, group_hint
    )


def read_sources(
    directory: Path, phenomena: Path, strict: bool = True
) -> tuple[list[WrittenMessage], list[str]]:
    """All messages of all `*.tsv` files, in file and line order, plus errors (raised when strict).

    `phenomena` is the tag vocabulary file the lines' tags must come from."""
    tags = known_tags(phenomena)
    messages, errors = [], []
    for path in sorted(Path(directory).glob("*.tsv")):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip() or line.startswith("#"):
                    continue
                try:
                    messages.append(parse_line(line, str(path), number, tags))
                except SourceError as error:
                    if strict:
                        raise
                    errors.append(str(error))
    return messages, errors


def label_code(labels: dict[str, int]) -> str:
    letters = "".join(letter for letter, label in zip("HID", LABELS, strict=True) if labels[label])
    return letters or "-"
