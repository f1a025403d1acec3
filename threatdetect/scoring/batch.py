"""The streaming batch scorer behind `threatdetect score`.

Reads messages lazily, scores them in fixed-size chunks, and writes each chunk before reading the
next, so memory stays flat however large the dump. Every input record ends up either in the output
(or counted as scored when only flagged messages are written) or in the errors file:
`inputs == scored + rejected`.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from threatdetect.io.records import Message, Rejected
from threatdetect.io.writers import RecordWriter, write_rejected
from threatdetect.labels import LABELS
from threatdetect.scoring.detector import Detector, ScoreCache
from threatdetect.scoring.results import ScoreResult

# Messages read, scored and written together. The transformer gets a chunk's gated messages in one
# call, so a larger chunk gives it fuller, better length-sorted batches: on a 3%-flagged stream
# (about 8% gated) 2,048 took about 15% less transformer time than 1,024 at the same peak memory
# (benchmarks/stage_times.py, AVX2 profile); 4,096 saved more on the stream but not on a harsh dump.
CHUNK_SIZE = 2048
logger = logging.getLogger(__name__)


def _release_free_memory() -> None:
    """Hand memory freed by the last chunk back to the OS (glibc's `malloc_trim`).

    Scoring frees many mid-sized buffers (tokenised batches, activations, sparse features) of
    varying size; glibc keeps the freed ones in its heap, where they fragment, so the resident size
    creeps up over a long dump. Trimming once per chunk keeps it flat at a negligible cost. A no-op
    where the C library is not glibc.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


@dataclass
class ScoreSummary:
    inputs: int = 0
    scored: int = 0
    rejected: int = 0
    #: Scored messages the reader had to repair (undecodable bytes replaced, NULs removed); each
    #: has a `warnings` entry in the output.
    repaired: int = 0
    flagged: int = 0
    written: int = 0
    per_label: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    seconds: float = 0.0
    sources: list[str] = field(default_factory=list)
    stages: dict[str, int] = field(default_factory=dict)
    errors_path: str | None = None

    @property
    def per_second(self) -> float:
        return self.scored / self.seconds if self.seconds > 0 else 0.0

    def consistent(self) -> bool:
        return self.inputs == self.scored + self.rejected

    def lines(self) -> list[str]:
        out = [
            f"in {self.inputs} = scored {self.scored} + rejected {self.rejected}",
            *(
                [f"repaired {self.repaired}: scored with a warning (bad bytes replaced or NULs removed)"]
                if self.repaired
                else []
            ),
            f"flagged {self.flagged}: " + ", ".join(f"{label} {n}" for label, n in self.per_label.items()),
            f"{self.seconds:.1f} s, {self.per_second:.0f} messages/s",
        ]
        if self.stages:
            out.append("stages: " + ", ".join(f"{k} {v}" for k, v in self.stages.items()))
        return out


def _chunks(records: Iterable[Message | Rejected], size: int) -> Iterator[list[Message | Rejected]]:
    chunk: list[Message | Rejected] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_stream(
    records: Iterable[Message | Rejected],
    detector: Detector,
    writer: RecordWriter | None,
    errors: IO[str] | None,
    include_all: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_SIZE,
    flagged_writer: RecordWriter | None = None,
    dedup: bool = True,
) -> ScoreSummary:
    """Score a stream of records; write scored (flagged, or all) records and rejected ones.

    `flagged_writer`, when given, receives every flagged record as JSONL (the evidence report's input),
    whatever the main output's format. With `dedup`, each distinct normalised text is scored once
    per run (repeats get the same scores and count as stage `repeat`).
    """
    from tqdm import tqdm

    summary = ScoreSummary()
    stages: Counter[str] = Counter()
    cache = ScoreCache() if dedup else None
    started = time.perf_counter()
    bar = tqdm(total=None, unit="msg", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    try:
        for chunk in _chunks(records, chunk_size):
            messages = [r for r in chunk if isinstance(r, Message)]
            scored, chunk_stages = _score_chunk(detector, messages, cache, share=dedup)
            stages.update(chunk_stages)
            results = iter(scored)
            for record in chunk:
                summary.inputs += 1
                result = next(results) if isinstance(record, Message) else record
                if isinstance(result, Rejected):
                    summary.rejected += 1
                    if errors is not None:
                        write_rejected(errors, result)
                    continue
                summary.scored += 1
                if record.warnings:
                    summary.repaired += 1
                if result.flagged:
                    summary.flagged += 1
                    for label in result.labels:
                        summary.per_label[label] += 1
                if writer is not None and (include_all or result.flagged):
                    writer.write(result.to_record(record))
                    summary.written += 1
                if flagged_writer is not None and result.flagged:
                    flagged_writer.write(result.to_record(record))
            bar.update(len(chunk))
            _release_free_memory()
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - started
    summary.stages = dict(stages)
    return summary


def _score_chunk(
    detector: Detector, messages: list[Message], cache: ScoreCache | None = None, share: bool = True
) -> tuple[list[ScoreResult | Rejected], Counter[str]]:
    """Score a chunk; if it fails, score its messages one by one so one bad message costs only itself."""
    stages: Counter[str] = Counter()
    if not messages:
        return [], stages
    try:
        # The whole chunk in one model call: the transformer then gets the chunk's few gated
        # messages together (fuller, better length-sorted batches) instead of a handful per call.
        scored, stages = detector.score_batch(
            [m.text for m in messages], cache=cache, share=share, batch_size=len(messages)
        )
        return list(scored), stages
    except Exception as error:  # any failure must cost one message, never the run
        logger.warning("scoring a chunk failed (%s); retrying message by message", type(error).__name__)
    results: list[ScoreResult | Rejected] = []
    for message in messages:
        try:
            [result], message_stages = detector.score_batch([message.text])
            results.append(result)
            stages.update(message_stages)
        except Exception as error:
            # The exception type only: its message could quote the text, and logs never hold texts.
            reason = f"internal error while scoring ({type(error).__name__}); please report it"
            results.append(Rejected(message.source, message.record, reason, message.line, "text", None))
    return results, stages


def open_output(path: Path | None) -> IO[str]:
    if path is None:
        return sys.stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", newline="")
