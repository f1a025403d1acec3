"""Real-form dumps for benchmarks, drawn from the held-out test split of our corpus.

Corpus v2 is written in real form (short replies, emoji, @mentions, links, typos, ALL CAPS, Flemish),
so its messages are used as they are, not cut or joined. Only the test split is used: the linear
stage has seen the training split, and a gate measured on texts it memorised would pass fewer
messages than it does on a real dump. The dev split stays for tuning the gate.

- `stream`: 3% flagged, the share the thresholds are tuned for;
- `harsh`: 40% flagged, a dump that is mostly abuse (a politician after a viral moment).

The test split has about 1,500 harmless messages, so a 50,000-message dump repeats each of them many
times; `distinct_share` says how many texts are distinct. The benchmark scores repeats again unless
it measures deduplication on purpose. The result is deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
FLAGGED_SHARE = {"stream": 0.03, "harsh": 0.40}


def _texts(split: str = "test") -> tuple[list[str], list[str]]:
    clean, flagged = [], []
    with (CORPUS / f"{split}.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            (flagged if row["hate"] or row["intimidation"] else clean).append(row["text"])
    return clean, flagged


def messages(n: int, seed: int = 7, kind: str = "stream") -> Iterator[str]:
    rng = random.Random(seed)
    clean, flagged = _texts()
    share = FLAGGED_SHARE[kind]
    for _ in range(n):
        yield rng.choice(flagged if rng.random() < share else clean)


def distinct_share(texts: list[str]) -> float:
    return len(set(texts)) / max(len(texts), 1)


def write_dump(path: Path, n: int, seed: int = 7, kind: str = "stream") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for index, text in enumerate(messages(n, seed, kind), start=1):
            handle.write(json.dumps({"id": f"m{index}", "text": text}, ensure_ascii=False) + "\n")
    return path
