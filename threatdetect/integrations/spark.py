"""Score a Spark DataFrame: `score_dataframe(df)` adds `scores`, `labels` and `flagged` columns.

    from pyspark.sql import SparkSession
    from threatdetect.integrations.spark import score_dataframe

    spark = SparkSession.builder.getOrCreate()
    scored = score_dataframe(spark.read.parquet("dump/"), text_col="text")
    scored.filter("flagged").select("id", "scores.death_threat", "labels").show()

The texts go to the Python workers as Arrow batches (`mapInArrow`). Each worker process loads its
Detector once, on its first batch, and keeps it for every later batch and task (Spark reuses Python
workers unless `spark.python.worker.reuse` is off): loading costs seconds, a batch of a few thousand
short messages about as much. Within a batch texts are scored shortest first, so the transformer's
padded batches hold texts of similar length, and the results go back in row order.

`model=None` means each worker's default: `$THREATDETECT_MODEL` on that worker when set (for example
`--conf spark.executorEnv.THREATDETECT_MODEL=/models/threatdetect`), else the shipped model. A model
path must exist on every worker. Each task runs the transformer on `spark.task.cpus` threads, so the
tasks of one executor do not compete for its cores.

pyspark is an optional dependency: `pip install "threatdetect[spark]"`.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from threatdetect.labels import LABELS
from threatdetect.scoring.detector import DEFAULT_BATCH_SIZE, Detector
from threatdetect.scoring.results import ScoreResult

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructField

logger = logging.getLogger(__name__)

#: The columns `score_dataframe` adds (`spans` only when asked for).
OUTPUT_COLUMNS = ("scores", "labels", "flagged")
SPANS_COLUMN = "spans"

_SCORES_TYPE = pa.struct([pa.field(label, pa.float64()) for label in LABELS])
_LABELS_TYPE = pa.list_(pa.string())
_SPAN_TYPE = pa.struct(
    [
        pa.field("start", pa.int64()),
        pa.field("end", pa.int64()),
        pa.field("text", pa.string()),
        pa.field("label", pa.string()),
        pa.field("source", pa.string()),
        pa.field("weight", pa.float64()),
    ]
)
_SPANS_TYPE = pa.list_(_SPAN_TYPE)


def require_pyspark() -> None:
    """Raise an ImportError that says what to install when pyspark is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise ImportError(
            'the Spark engine needs pyspark (3.5 or newer) and Java 17: pip install "threatdetect[spark]"'
        ) from error


# --- On the workers ------------------------------------------------------------------------------

DetectorKey = tuple[str | None, tuple[tuple[str, float], ...] | str | None, bool, str]


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a Python worker needs to score a batch; pickled with the function for each task."""

    text_col: str
    model: str | None
    thresholds: tuple[tuple[str, float], ...] | str | None
    cascade: bool
    precision: str
    batch_size: int
    spans: bool

    @property
    def detector_key(self) -> DetectorKey:
        return (self.model, self.thresholds, self.cascade, self.precision)


#: The Detectors this Python process has loaded, by model and settings: one per worker, however
#: many batches and tasks it scores.
_DETECTORS: dict[DetectorKey, Detector] = {}
#: How often this process loaded a Detector for each key; never more than once (tests check it).
LOADS: Counter[DetectorKey] = Counter()
_LOCK = threading.Lock()


def _task_threads() -> int | None:
    """The cores Spark gave this task (`spark.task.cpus`), or None outside a Spark task."""
    from pyspark import TaskContext

    context = TaskContext.get()
    return max(1, context.cpus()) if context is not None else None


def worker_detector(settings: WorkerSettings) -> Detector:
    """This process's Detector for `settings`, loaded on first use."""
    key = settings.detector_key
    with _LOCK:
        if key not in _DETECTORS:
            threads = _task_threads()
            if threads is not None:
                import torch

                # Spark runs one Python worker per task slot; each using every core of the machine
                # would make them fight over the cores.
                torch.set_num_threads(threads)
            thresholds = settings.thresholds
            _DETECTORS[key] = Detector.load(
                settings.model,
                thresholds=dict(thresholds) if isinstance(thresholds, tuple) else thresholds,
                cascade=settings.cascade,
                precision=settings.precision,
            )
            LOADS[key] += 1
            logger.info("worker %d loaded model %s", os.getpid(), _DETECTORS[key].model_path)
        return _DETECTORS[key]


def _texts(column: pa.Array) -> list[str | None]:
    try:
        return column.to_pylist()
    except UnicodeDecodeError:  # a string column with bytes that are not UTF-8 (Parquet allows it)
        raw = column.cast(pa.large_binary()).to_pylist()
        return [None if value is None else value.decode("utf-8", "replace") for value in raw]


def _score_texts(
    detector: Detector, texts: Sequence[str], settings: WorkerSettings
) -> list[ScoreResult | None]:
    """Results in input order; a chunk that fails is scored text by text, a text that fails is None."""
    results: list[ScoreResult | None] = []
    for begin in range(0, len(texts), settings.batch_size):
        chunk = texts[begin : begin + settings.batch_size]
        try:
            scored, _ = detector.score_batch(chunk, spans=settings.spans, batch_size=settings.batch_size)
            results.extend(scored)
            continue
        except Exception as error:  # one bad text must cost only itself, never the Spark job
            logger.warning("scoring a chunk failed (%s); retrying text by text", type(error).__name__)
        for text in chunk:
            try:
                results.extend(detector.score_batch([text], spans=settings.spans)[0])
            except Exception as error:
                # The exception type only: its message could quote the text, and logs never hold texts.
                logger.warning("scoring a text failed (%s); its scores are null", type(error).__name__)
                results.append(None)
    return results


def _result_columns(results: Sequence[ScoreResult | None], spans: bool) -> list[pa.Array]:
    missing = pa.array([result is None for result in results], pa.bool_())
    scores = pa.StructArray.from_arrays(
        [
            pa.array([None if r is None else r.scores[label] for r in results], pa.float64())
            for label in LABELS
        ],
        fields=list(_SCORES_TYPE),
        mask=missing,
    )
    columns = [
        scores,
        pa.array([None if r is None else list(r.labels) for r in results], _LABELS_TYPE),
        pa.array([None if r is None else r.flagged for r in results], pa.bool_()),
    ]
    if spans:
        columns.append(
            pa.array(
                [None if r is None else [span.to_dict() for span in r.spans] for r in results], _SPANS_TYPE
            )
        )
    return columns


def score_arrow_batch(detector: Detector, batch: pa.RecordBatch, settings: WorkerSettings) -> pa.RecordBatch:
    """`batch` with the result columns appended; rows without a text get nulls."""
    texts = _texts(batch.column(settings.text_col))
    present = [index for index, text in enumerate(texts) if text is not None]
    # Shortest first: chunks of similar length pad little. Stable, so equal lengths keep row order.
    order = sorted(present, key=lambda index: len(texts[index]))
    results: list[ScoreResult | None] = [None] * len(texts)
    for index, result in zip(order, _score_texts(detector, [texts[i] for i in order], settings), strict=True):
        results[index] = result
    names = [*OUTPUT_COLUMNS, *([SPANS_COLUMN] if settings.spans else [])]
    columns = _result_columns(results, settings.spans)
    return pa.RecordBatch.from_arrays([*batch.columns, *columns], names=[*batch.schema.names, *names])


def score_arrow_batches(
    settings: WorkerSettings, batches: Iterator[pa.RecordBatch]
) -> Iterator[pa.RecordBatch]:
    """The function `mapInArrow` runs on each partition."""
    detector = worker_detector(settings)
    for batch in batches:
        yield score_arrow_batch(detector, batch, settings)


# --- On the driver -------------------------------------------------------------------------------


def _result_fields(spans: bool) -> list[StructField]:
    from pyspark.sql.types import (
        ArrayType,
        BooleanType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    fields = [
        StructField("scores", StructType([StructField(label, DoubleType()) for label in LABELS])),
        StructField("labels", ArrayType(StringType())),
        StructField("flagged", BooleanType()),
    ]
    if spans:
        span = StructType(
            [
                StructField("start", LongType()),
                StructField("end", LongType()),
                StructField("text", StringType()),
                StructField("label", StringType()),
                StructField("source", StringType()),
                StructField("weight", DoubleType()),
            ]
        )
        fields.append(StructField(SPANS_COLUMN, ArrayType(span)))
    return fields


def _threshold_key(
    thresholds: Mapping[str, float] | str | None,
) -> tuple[tuple[str, float], ...] | str | None:
    """Thresholds in a hashable form, checked here so a typo fails on the driver, not in every task."""
    if thresholds is None or isinstance(thresholds, str):
        return thresholds
    unknown = sorted(set(thresholds) - set(LABELS))
    if unknown:
        raise ValueError(
            f"unknown label(s) in thresholds: {', '.join(unknown)}; labels are {', '.join(LABELS)}"
        )
    for label, value in thresholds.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"threshold for {label} must be between 0 and 1, not {value}")
    return tuple(sorted((label, float(value)) for label, value in thresholds.items()))


def score_dataframe(
    df: DataFrame,
    text_col: str = "text",
    model: str | os.PathLike | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    thresholds: Mapping[str, float] | str | None = None,
    cascade: bool = True,
    precision: str = "auto",
    spans: bool = False,
) -> DataFrame:
    """`df` with `scores` (struct of hate, intimidation, death_threat doubles), `labels`
    (array<string>) and `flagged` (boolean) columns added; lazy, like every Spark transformation.

    `model` is a model directory that every worker can read, or None for each worker's default
    (see the module docstring). `thresholds` overrides thresholds per label or names a preset of the
    model ("recall"). `batch_size` is the number of texts per model call. `spans=True` also adds the
    trigger spans (`spans`: array of start, end, text, label, source, weight). Rows whose text is
    null get null in every added column, as does a text whose scoring failed (logged by type only).
    """
    require_pyspark()
    from pyspark.sql.types import StringType, StructType

    if text_col not in df.columns:
        raise ValueError(f"no column '{text_col}' in the DataFrame (columns: {', '.join(df.columns)})")
    if not isinstance(df.schema[text_col].dataType, StringType):
        raise ValueError(f"column '{text_col}' is {df.schema[text_col].dataType.simpleString()}, not string")
    added = [*OUTPUT_COLUMNS, *([SPANS_COLUMN] if spans else [])]
    clashes = [name for name in added if name in df.columns]
    if clashes:
        raise ValueError(
            f"the DataFrame already has column(s) {', '.join(clashes)}; rename or drop them first"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}")
    settings = WorkerSettings(
        text_col=text_col,
        model=os.fspath(model) if model is not None else None,
        thresholds=_threshold_key(thresholds),
        cascade=cascade,
        precision=str(precision),
        batch_size=batch_size,
        spans=spans,
    )
    schema = StructType([*df.schema.fields, *_result_fields(spans)])
    return df.mapInArrow(functools.partial(score_arrow_batches, settings), schema)


__all__ = ["LOADS", "OUTPUT_COLUMNS", "score_dataframe"]
