"""`threatdetect data build`: authored sources -> grouped, split, augmented JSON Lines.

Deterministic for a given seed: ids are content hashes, groups come from near-duplicate clustering
(plus the writers' own `group=` tags), and whole groups are assigned to train/dev/test (70/15/15,
stratified by label combination) so near-duplicates never cross splits.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatdetect.corpus.augment import OPERATIONS, augment
from threatdetect.corpus.similarity import GROUPING_THRESHOLD, cluster
from threatdetect.corpus.sources import WrittenMessage, label_code, read_sources
from threatdetect.labels import LABELS

SPLITS = ("train", "dev", "test")
SPLIT_SHARES = (0.70, 0.15, 0.15)
AUGMENT_SHARE = 0.25  # of the written train rows; stays under the 30% cap of the whole train split


@dataclass
class BuildReport:
    written: int
    exact_duplicates_removed: int
    groups: int
    rows_per_split: dict[str, int]
    augmented: int
    skipped_lines: list[str]


def _digest(text: str, length: int = 12) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def _row(message: WrittenMessage, group: str, origin: str, text: str | None = None) -> dict[str, Any]:
    text = text if text is not None else message.text
    row: dict[str, Any] = {"id": "td-" + _digest(origin + "|" + text), "text": text}
    row.update({label: message.labels[label] for label in LABELS})
    row.update(
        {
            "target": message.target,
            "target_gender": message.target_gender,
            "style": message.style,
            "phenomena": message.phenomena,
            "origin": origin,
            "group": group,
        }
    )
    return row


def assign_splits(groups: dict[str, list[WrittenMessage]], seed: int) -> dict[str, str]:
    """Whole groups to splits, stratified by the label code of each group's first message."""
    by_code: dict[str, list[str]] = defaultdict(list)
    for group, members in sorted(groups.items()):
        by_code[label_code(members[0].labels)].append(group)
    rng = random.Random(seed)
    assignment = {}
    for code in sorted(by_code):
        names = by_code[code]
        rng.shuffle(names)
        sizes = [len(groups[name]) for name in names]
        total, running = sum(sizes), 0
        for name, size in zip(names, sizes, strict=True):
            share = running / max(total, 1)
            assignment[name] = (
                "train" if share < SPLIT_SHARES[0] else "dev" if share < sum(SPLIT_SHARES[:2]) else "test"
            )
            running += size
    return assignment


def build_corpus(
    sources: Path, out_dir: Path, phenomena: Path, seed: int = 13, strict: bool = True
) -> BuildReport:
    messages, errors = read_sources(sources, phenomena, strict=strict)
    seen, unique = set(), []
    for message in messages:
        key = " ".join(message.text.lower().split())
        if key not in seen:
            seen.add(key)
            unique.append(message)
    clusters = cluster([m.text for m in unique], threshold=GROUPING_THRESHOLD)
    # Writers' group tags merge clusters: map each hint to the first cluster that carries it.
    hint_root: dict[str, int] = {}
    for index, message in enumerate(unique):
        if message.group_hint:
            clusters[index] = hint_root.setdefault(message.group_hint, clusters[index])
    groups: dict[str, list[WrittenMessage]] = defaultdict(list)
    group_of: list[str] = []
    for index, message in enumerate(unique):
        name = "g-" + _digest(unique[clusters[index]].text, 10)
        groups[name].append(message)
        group_of.append(name)
    split_of_group = assign_splits(groups, seed)

    rows: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    for message, group in zip(unique, group_of, strict=True):
        rows[split_of_group[group]].append(_row(message, group, "written"))

    rng = random.Random(seed)
    train_sources = [(m, g) for m, g in zip(unique, group_of, strict=True) if split_of_group[g] == "train"]
    picked = rng.sample(train_sources, k=int(len(train_sources) * AUGMENT_SHARE))
    augmented = 0
    for index, (message, group) in enumerate(picked):
        operation = OPERATIONS[index % len(OPERATIONS)]
        flagged = any(message.labels.values())
        text = augment(message.text, flagged, operation, rng)
        if text != message.text:
            rows["train"].append(_row(message, group, f"augmented:{operation}", text))
            augmented += 1

    out_dir.mkdir(parents=True, exist_ok=True)
    for split, split_rows in rows.items():
        split_rows.sort(key=lambda row: row["id"])
        with (out_dir / f"{split}.jsonl").open("w", encoding="utf-8") as handle:
            for row in split_rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return BuildReport(
        written=len(messages),
        exact_duplicates_removed=len(messages) - len(unique),
        groups=len(groups),
        rows_per_split={split: len(r) for split, r in rows.items()},
        augmented=augmented,
        skipped_lines=errors,
    )
