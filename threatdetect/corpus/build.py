"""`threatdetect data build`: authored sources -> grouped, split, augmented JSON Lines.

Deterministic for a given seed: ids are content hashes, groups come from near-duplicate clustering
(plus the writers' own `group=` tags), and whole groups are assigned to train/dev/test (70/15/15)
so near-duplicates never cross splits.

Splits are sticky. Given the splits of an earlier build (`previous`, normally the committed
`data/corpus`), every group keeps the split its messages had there, and only groups made of new
messages are assigned, each by a hash of its name. Adding a source file therefore never moves an
existing message between train, dev and test, so models trained before and after can be compared on
the same dev and test messages. Without `previous` (a fresh corpus, or `data build --resplit`), all
groups are assigned afresh, stratified by label combination. Augmented copies are drawn from the train
messages with the seed, so they change when train messages are added (dev and test are never
augmented). An augmented copy that would repeat a text, come near a dev or test message, or paraphrase
a held-out text (the functional suite, the challenge set) is left out: augmentation must not create
the leaks that `data check` looks for.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threatdetect.corpus.augment import OPERATIONS, augment
from threatdetect.corpus.check import read_split
from threatdetect.corpus.similarity import (
    GROUPING_THRESHOLD,
    LEAKAGE_THRESHOLD,
    cluster,
    paraphrase_pairs,
    similar_pairs,
)
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
    # Augmented variants left out because they would repeat a text or leak (see leaking_variants).
    augmented_dropped: int = 0
    # Sticky splits: groups that kept an earlier split, groups assigned now, and groups whose messages
    # were in more than one split before (they take the split most of them had).
    groups_kept: int = 0
    groups_new: int = 0
    groups_merged_across_splits: int = 0


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


def _split_at(position: float) -> str:
    """The split at `position` in [0, 1) when train, dev and test take SPLIT_SHARES of it in turn."""
    return "train" if position < SPLIT_SHARES[0] else "dev" if position < sum(SPLIT_SHARES[:2]) else "test"


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
            assignment[name] = _split_at(running / max(total, 1))
            running += size
    return assignment


def _text_key(text: str) -> str:
    return " ".join(text.lower().split())


def read_previous_splits(corpus: Path) -> dict[str, str]:
    """Written message (by its whitespace- and case-folded text) -> split, from an earlier build."""
    previous: dict[str, str] = {}
    for split in SPLITS:
        path = corpus / f"{split}.jsonl"
        if path.exists():
            for row in read_split(path):
                if row.get("origin") == "written":
                    previous[_text_key(row["text"])] = split
    return previous


def held_out_texts(challenge_dir: Path, suite_path: Path) -> list[str]:
    """The texts of the functional suite and the challenge set, where they exist."""
    from threatdetect.corpus.challenge import load_challenge
    from threatdetect.corpus.check import suite_texts

    texts = suite_texts(suite_path) if suite_path.is_file() else []
    if challenge_dir.is_dir():
        texts += [case.text for case in load_challenge(challenge_dir)]
    return texts


def leaking_variants(
    variants: Sequence[str], rows: dict[str, list[dict[str, Any]]], held_out: Sequence[str]
) -> set[int]:
    """Indices of augmented texts that `data check` would reject or that would leak an evaluation text.

    That is a text already in the corpus or made twice, a near-duplicate of a dev or test message
    (the check's leakage threshold), or a paraphrase of a held-out text.
    """
    existing = {" ".join(row["text"].split()) for split_rows in rows.values() for row in split_rows}
    leaking, made = set(), set()
    for index, text in enumerate(variants):
        exact = " ".join(text.split())
        if exact in existing or exact in made:
            leaking.add(index)
        made.add(exact)
    evaluation = [row["text"] for split in ("dev", "test") for row in rows[split]]
    leaking.update(i for i, _, _ in similar_pairs(variants, evaluation, threshold=LEAKAGE_THRESHOLD))
    if held_out:
        leaking.update(i for i, _ in paraphrase_pairs(variants, held_out))
    return leaking


def _hash_split(group: str, seed: int) -> str:
    """A split for a new group from a hash of its name: stable whatever else the corpus holds."""
    return _split_at(int(_digest(f"{seed}|{group}"), 16) / 16**12)


def sticky_splits(
    groups: dict[str, list[WrittenMessage]], previous: dict[str, str], seed: int
) -> tuple[dict[str, str], dict[str, int]]:
    """Each group keeps its messages' earlier split (the most common one, if they differ); new groups
    are assigned by `_hash_split`."""
    assignment: dict[str, str] = {}
    counts = {"groups_kept": 0, "groups_new": 0, "groups_merged_across_splits": 0}
    for group, members in sorted(groups.items()):
        earlier = Counter(previous[key] for m in members if (key := _text_key(m.text)) in previous)
        if not earlier:
            assignment[group] = _hash_split(group, seed)
            counts["groups_new"] += 1
            continue
        counts["groups_kept"] += 1
        if len(earlier) > 1:
            counts["groups_merged_across_splits"] += 1
        # Most common split; ties go to the earlier of train, dev, test.
        assignment[group] = min(earlier, key=lambda split: (-earlier[split], SPLITS.index(split)))
    return assignment, counts


def build_corpus(
    sources: Path,
    out_dir: Path,
    phenomena: Path,
    seed: int = 13,
    strict: bool = True,
    previous: Path | None = None,
    held_out: Sequence[str] = (),
) -> BuildReport:
    messages, errors = read_sources(sources, phenomena, strict=strict)
    seen, unique = set(), []
    for message in messages:
        key = _text_key(message.text)
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
    earlier = read_previous_splits(previous) if previous is not None else {}
    if earlier:
        split_of_group, sticky = sticky_splits(groups, earlier, seed)
    else:
        split_of_group, sticky = assign_splits(groups, seed), {}

    rows: dict[str, list[dict[str, Any]]] = {split: [] for split in SPLITS}
    for message, group in zip(unique, group_of, strict=True):
        rows[split_of_group[group]].append(_row(message, group, "written"))

    rng = random.Random(seed)
    train_sources = [(m, g) for m, g in zip(unique, group_of, strict=True) if split_of_group[g] == "train"]
    picked = rng.sample(train_sources, k=int(len(train_sources) * AUGMENT_SHARE))
    candidates: list[tuple[WrittenMessage, str, str, str]] = []
    for index, (message, group) in enumerate(picked):
        operation = OPERATIONS[index % len(OPERATIONS)]
        flagged = any(message.labels.values())
        text = augment(message.text, flagged, operation, rng)
        if text != message.text:
            candidates.append((message, group, operation, text))
    leaking = leaking_variants([c[3] for c in candidates], rows, held_out)
    for index, (message, group, operation, text) in enumerate(candidates):
        if index not in leaking:
            rows["train"].append(_row(message, group, f"augmented:{operation}", text))

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
        augmented=len(candidates) - len(leaking),
        augmented_dropped=len(leaking),
        skipped_lines=errors,
        **sticky,
    )
