"""A realistic synthetic dump for benchmarks, generated from our own corpus.

Social-media replies are short with a long tail: lengths are drawn from a log-normal distribution
(median about 14 words, 1% above 120 words). Most messages in a real inbox are harmless, so 92% of
messages are built from unflagged corpus texts and 8% from flagged ones; longer messages are made
by joining several texts of the same kind. The result is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
FLAGGED_SHARE = 0.08


def _texts() -> tuple[list[str], list[str]]:
    clean, flagged = [], []
    for split in ("train", "dev", "test"):
        with (CORPUS / f"{split}.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                (flagged if row["hate"] or row["intimidation"] else clean).append(row["text"])
    return clean, flagged


def messages(n: int, seed: int = 7) -> Iterator[str]:
    rng = random.Random(seed)
    clean, flagged = _texts()
    for _ in range(n):
        pool = flagged if rng.random() < FLAGGED_SHARE else clean
        target = max(2, int(rng.lognormvariate(2.65, 0.75)))
        words: list[str] = []
        while len(words) < target:
            words.extend(rng.choice(pool).split())
        yield " ".join(words[:target])


def write_dump(path: Path, n: int, seed: int = 7) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index, text in enumerate(messages(n, seed), start=1):
            handle.write(json.dumps({"id": f"m{index}", "text": text}, ensure_ascii=False) + "\n")
    return path
