"""Micro-batching: requests that arrive within a few milliseconds share one model call.

One worker task takes the first queued request, keeps collecting for `wait_ms` (or until
`max_messages` are gathered), scores all their texts with one `Detector.score_batch` call in a
thread, and hands each request its slice of the results. The model sees large batches under load,
which is where its throughput comes from, while a lone request waits at most `wait_ms` extra.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from threatdetect.scoring.results import ScoreResult

logger = logging.getLogger(__name__)


class BatchScorer(Protocol):
    """What the batcher needs of a Detector."""

    def score_batch(self, texts: Sequence[str]) -> tuple[list[ScoreResult], object]: ...


class ScoringError(RuntimeError):
    """The model call for a batch failed; the server log has the traceback (without any text)."""


class BatcherStopped(RuntimeError):
    """The service is shutting down and no longer scores."""


@dataclass
class _Pending:
    texts: list[str]
    future: asyncio.Future[list[ScoreResult]] = field(repr=False)


class MicroBatcher:
    """Gathers concurrent `score` calls into one model call at a time."""

    def __init__(self, detector: BatchScorer, *, wait_ms: float, max_messages: int) -> None:
        self.detector = detector
        self.wait_s = wait_ms / 1000.0
        self.max_messages = max_messages
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._carry: _Pending | None = None
        self._in_flight: list[_Pending] = []

    def start(self) -> None:
        """Start the worker task on the running event loop."""
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="threatdetect-batcher")

    async def stop(self) -> None:
        """Stop the worker; requests still queued or being scored get `BatcherStopped`."""
        waiting = [*self._in_flight, *([self._carry] if self._carry else [])]
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        self._carry = None
        while not self._queue.empty():
            waiting.append(self._queue.get_nowait())
        for pending in waiting:
            if not pending.future.done():
                pending.future.set_exception(BatcherStopped("the service is shutting down"))

    async def score(self, texts: list[str]) -> list[ScoreResult]:
        """Results for `texts` in order, scored together with whatever else is queued."""
        if self._worker is None:
            raise BatcherStopped("the batcher is not running")
        if not texts:
            return []
        future: asyncio.Future[list[ScoreResult]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(texts, future))
        return await future

    async def _collect(self) -> list[_Pending]:
        """The next batch: the first request, then more until the wait is over or the batch is full.

        The batch is gathered in `self._in_flight`, so that `stop()` can answer every request taken
        from the queue, however far the worker got.
        """
        first = self._carry or await self._queue.get()
        self._carry = None
        batch = self._in_flight = [first]
        size = len(first.texts)
        deadline = asyncio.get_running_loop().time() + self.wait_s
        while size < self.max_messages:
            try:
                item = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if size + len(item.texts) > self.max_messages:
                self._carry = item  # the first request of the next batch
                break
            batch.append(item)
            size += len(item.texts)
        return batch

    async def _run(self) -> None:
        while True:
            batch = await self._collect()
            batch = [pending for pending in batch if not pending.future.done()]  # callers that left
            if not batch:
                self._in_flight = []
                continue
            texts = [text for pending in batch for text in pending.texts]
            started = time.perf_counter()
            try:
                results, _ = await asyncio.to_thread(self.detector.score_batch, texts)
            except Exception as error:
                # Exception messages may quote their input; log the type and the frames only.
                frames = "".join(traceback.format_tb(error.__traceback__))
                logger.error(
                    "scoring a batch of %d messages failed with %s\n%s",
                    len(texts),
                    type(error).__name__,
                    frames,
                )
                failure = ScoringError(f"scoring failed ({type(error).__name__})")
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(failure)
                continue
            finally:
                self._in_flight = []
            logger.debug(
                "model call: %d messages from %d requests in %.1f ms",
                len(texts),
                len(batch),
                (time.perf_counter() - started) * 1000,
            )
            begin = 0
            for pending in batch:
                end = begin + len(pending.texts)
                if not pending.future.done():
                    pending.future.set_result(results[begin:end])
                begin = end
