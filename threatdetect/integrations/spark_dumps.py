"""`threatdetect score --engine spark`: score dumps on a Spark cluster, with the local engine's output.

The dumps are read and scored on the workers (`spark_inputs`, then `score_dataframe`); the driver
writes what the local engine writes, through the same writers and in the same order (input by input,
file by file, record by record): flagged messages (or all with --all) as JSONL or CSV, rejected
records with their reasons in the errors file, and a summary in which `in = scored + rejected`.
Only the written records and the rejected ones travel to the driver; the counts are computed on
the workers. A text whose scoring failed is rejected with a reason, as in the local engine.

The scored rows are persisted (memory, then disk) between the counting and the writing, so every
message is scored once. Without a running Spark session this starts one (`--spark-master`, or
`local[*]`), with this Python on the workers, and stops it at the end; under `spark-submit` it uses
the session that spark-submit configured.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from threatdetect.integrations.spark import require_pyspark, score_dataframe
from threatdetect.integrations.spark_inputs import DumpInput, message_frame, plan_inputs
from threatdetect.io.records import Message, Rejected
from threatdetect.io.writers import RecordWriter, write_rejected
from threatdetect.labels import LABELS
from threatdetect.modeling.loader import default_model_dir
from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.scoring.batch import ScoreSummary
from threatdetect.scoring.results import ScoreResult, Span

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row, SparkSession

#: Why a message whose scoring failed on a worker is rejected (the worker logs the exception type).
SCORING_FAILED = "internal error while scoring; please report it"


@contextlib.contextmanager
def spark_session(master: str | None = None, progress: bool = False) -> Iterator[SparkSession]:
    """The running Spark session, or a new one that is stopped on exit."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM and set it up
    if not submitted:
        # The workers must run this Python, the one with threatdetect installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("threatdetect score")
    if master:
        builder = builder.master(master)
    if not submitted:
        builder = builder.config("spark.ui.showConsoleProgress", str(progress).lower())
    session = builder.getOrCreate()
    if not submitted:
        session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def _message(row: Row, source: str) -> Message:
    return Message(
        id=row.id,
        text=row.text,
        record=row.record,
        source=source,
        line=row.line,
        author=row.author,
        timestamp=row.timestamp,
        url=row.url,
        warnings=list(row.warnings or []),
    )


def _result(row: Row) -> ScoreResult:
    return ScoreResult(
        text=row.text,
        scores={label: row.scores[label] for label in LABELS},
        labels=tuple(row.labels),
        flagged=row.flagged,
        spans=tuple(Span(**span.asDict()) for span in row.spans),
    )


def _rejected(row: Row, source: str) -> Rejected:
    if row.rejected:
        return Rejected(source, row.record, row.reason, row.line, row.field, row.raw)
    return Rejected(source, row.record, SCORING_FAILED, row.line, "text", None)


def _counts(scored: DataFrame) -> ScoreSummary:
    from pyspark.sql import functions as F

    failed = F.col("flagged").isNull()  # rejected records, and messages whose scoring failed
    totals = scored.agg(
        F.count(F.lit(1)).alias("inputs"),
        F.count(F.when(failed, 1)).alias("rejected"),
        F.count(F.when(~failed & (F.size("warnings") > 0), 1)).alias("repaired"),
        F.count(F.when(F.col("flagged"), 1)).alias("flagged"),
        *(F.count(F.when(F.array_contains("labels", label), 1)).alias(label) for label in LABELS),
    ).first()
    return ScoreSummary(
        inputs=totals.inputs,
        scored=totals.inputs - totals.rejected,
        rejected=totals.rejected,
        repaired=totals.repaired,
        flagged=totals.flagged,
        per_label={label: totals[label] for label in LABELS},
    )


@dataclass
class SparkDumps:
    """Dumps checked and ready to score with Spark; `plan` checks, `score` runs and writes."""

    inputs: list[DumpInput]
    text_field: str
    id_field: str
    max_chars: int
    model: str | None
    thresholds: Mapping[str, float] | str | None
    cascade: bool
    precision: str
    model_name: str

    @classmethod
    def plan(
        cls,
        paths: list[Path],
        *,
        fmt: str | None,
        text_field: str,
        id_field: str,
        max_chars: int,
        model: Path | None,
        thresholds: Mapping[str, float] | str | None,
        cascade: bool,
        precision: str,
    ) -> SparkDumps:
        """Check the inputs and the model's config here, before Spark starts (as the local engine
        checks its inputs before loading the model). Raises InputError or ModelDirError."""
        require_pyspark()
        inputs = plan_inputs(list(paths), fmt, text_field)
        directory = Path(model).absolute() if model is not None else default_model_dir()
        config = ModelConfig.load(directory)
        # No --model: each worker loads its own default ($THREATDETECT_MODEL there, or the shipped one).
        return cls(
            inputs,
            text_field,
            id_field,
            max_chars,
            str(directory) if model is not None else None,
            thresholds or None,
            cascade,
            str(precision),
            config.name,
        )

    def score(
        self,
        writer: RecordWriter | None,
        errors: IO[str] | None,
        *,
        include_all: bool = False,
        flagged_writer: RecordWriter | None = None,
        master: str | None = None,
        progress: bool = False,
    ) -> ScoreSummary:
        """Score every input on Spark and write as `score_stream` does; returns the summary."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        started = time.perf_counter()
        with spark_session(master, progress) as spark:
            frames = [
                message_frame(
                    spark, item, text_field=self.text_field, id_field=self.id_field, max_chars=self.max_chars
                )
                for item in self.inputs
            ]
            messages = functools.reduce(lambda left, right: left.union(right), frames)
            scored = score_dataframe(
                messages,
                "text",
                self.model,
                thresholds=self.thresholds,
                cascade=self.cascade,
                precision=self.precision,
                spans=True,
            ).persist(StorageLevel.MEMORY_AND_DISK)
            try:
                summary = _counts(scored)
                wanted = F.col("flagged").isNull() | F.col("flagged") | F.lit(include_all)
                rows = scored.filter(wanted).orderBy("order", "source", "record").toLocalIterator()
                self._write(rows, summary, writer, errors, include_all, flagged_writer)
            finally:
                scored.unpersist()
        summary.seconds = time.perf_counter() - started
        return summary

    def _write(
        self,
        rows: Iterator[Row],
        summary: ScoreSummary,
        writer: RecordWriter | None,
        errors: IO[str] | None,
        include_all: bool,
        flagged_writer: RecordWriter | None,
    ) -> None:
        for row in rows:
            source = self.inputs[row.order].source(row.source)
            if row.flagged is None:
                if errors is not None:
                    write_rejected(errors, _rejected(row, source))
                continue
            result, message = _result(row), _message(row, source)
            if writer is not None and (include_all or result.flagged):
                writer.write(result.to_record(message))
                summary.written += 1
            if flagged_writer is not None and result.flagged:
                flagged_writer.write(result.to_record(message))
