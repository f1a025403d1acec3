"""Spark in local[2] mode with the shipped model: `score_dataframe` adds typed columns with the local
Detector's scores and loads one Detector per Python worker; `score --engine spark` writes what the
local engine writes (a JSONL file split into blocks, a Parquet folder), rejected records included."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from threatdetect.cli import app
from threatdetect.labels import LABELS

THREAT = "ik weet waar je woont, pas maar op. ik maak je af"
TEXTS = [
    THREAT,
    "Goed verhaal gisteren in de raad, dank voor de uitleg!",
    "wat een domme motie weer",
    "ik maak je kapot als je zo doorgaat",
    "Eindelijk iemand die het zegt",
    "jij hoort hier niet, ga terug naar je eigen land",
    "rot op",  # harmless; every text needs a score of its own (see the order test)
    "Als je voor stemt ben je er geweest 🔫",
]
#: bf16 results depend on what else is in the batch; fp32 ones agree to rounding, whatever the batch.
PRECISION = "fp32"
runner = CliRunner()


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for the module; the CLI's `--engine spark` finds and reuses it."""
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 and no `java` is on PATH (.ci/run installs openjdk-17-jre-headless)")
    previous = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers must import this threatdetect
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("threatdetect-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if previous is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = previous


@pytest.fixture(scope="module")
def detector():
    from threatdetect import Detector

    return Detector.load(precision=PRECISION)


@contextlib.contextmanager
def spark_conf(spark, **settings: str):
    """SQL settings for one test, restored afterwards (the session is shared)."""
    previous = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def _frame(spark, partitions: int = 3):
    rows = [(index, text, f"user{index}") for index, text in enumerate([*TEXTS, None])]
    return spark.createDataFrame(rows, "id long, text string, author string").repartition(partitions)


def test_score_dataframe_adds_typed_columns_and_keeps_every_row(spark):
    from pyspark.sql.types import ArrayType, BooleanType, DoubleType, StringType, StructField, StructType

    from threatdetect.integrations.spark import score_dataframe

    scored = score_dataframe(_frame(spark), precision=PRECISION)
    assert scored.columns == ["id", "text", "author", "scores", "labels", "flagged"]
    assert scored.schema["scores"].dataType == StructType(
        [StructField(label, DoubleType()) for label in LABELS]
    )
    assert scored.schema["labels"].dataType == ArrayType(StringType())
    assert scored.schema["flagged"].dataType == BooleanType()
    rows = sorted(scored.collect(), key=lambda row: row.id)
    assert [(row.id, row.text, row.author) for row in rows] == [
        (index, text, f"user{index}") for index, text in enumerate([*TEXTS, None])
    ]
    for row in rows[:-1]:
        assert all(0.0 <= row.scores[label] <= 1.0 for label in LABELS)
        assert set(row.labels) <= set(LABELS) and row.flagged == bool(row.labels)
    assert (rows[-1].scores, rows[-1].labels, rows[-1].flagged) == (None, None, None)


def test_scores_labels_and_spans_equal_the_local_detector(spark, detector):
    from threatdetect.integrations.spark import score_dataframe

    expected = detector.score(TEXTS)
    # Batches of 3 rows, each sorted by length before scoring: any slip in restoring the row order
    # gives a text another text's scores.
    with spark_conf(spark, **{"spark.sql.execution.arrow.maxRecordsPerBatch": "3"}):
        rows = score_dataframe(_frame(spark, 2), precision=PRECISION, spans=True).collect()
    by_id = {row.id: row for row in rows}
    distinct = {tuple(round(result.scores[label], 4) for label in LABELS) for result in expected}
    assert len(distinct) == len(TEXTS), "each text must score differently"
    for index, result in enumerate(expected):
        row = by_id[index]
        assert row.scores.asDict() == pytest.approx(result.scores, abs=1e-5)
        assert row.labels == list(result.labels) and row.flagged == result.flagged
        assert [span.asDict() for span in row.spans] == [span.to_dict() for span in result.spans]
    assert any(result.spans for result in expected), "a test text must have trigger spans"


def test_each_python_worker_loads_the_detector_once(spark):
    from threatdetect.integrations.spark import score_dataframe

    frame = spark.createDataFrame(
        [(index, TEXTS[index % len(TEXTS)]) for index in range(48)], "id long, text string"
    )
    with spark_conf(spark, **{"spark.sql.execution.arrow.maxRecordsPerBatch": "2"}):
        # 8 partitions of 6 rows in batches of 2: 24 batches over the two worker processes of local[2].
        assert score_dataframe(frame.repartition(8), precision=PRECISION).count() == 48

    def loads_per_worker(batches):
        import os

        from threatdetect.integrations import spark as integration

        for batch in batches:
            loads = [count for key, count in integration.LOADS.items() if key[3] == "fp32"]
            yield pa.RecordBatch.from_pylist(
                [{"pid": os.getpid(), "loads": max(loads, default=0)}] * batch.num_rows
            )

    # Spark reuses idle Python workers, so this job runs in the processes that scored.
    probed = (
        spark.range(0, 16, numPartitions=8).mapInArrow(loads_per_worker, "pid long, loads long").distinct()
    )
    loads = {row.pid: row.loads for row in probed.collect()}
    assert loads and max(loads.values()) == 1, loads


def test_bad_arguments_fail_on_the_driver(spark):
    from threatdetect.integrations.spark import score_dataframe

    frame = _frame(spark)
    cases = [
        ({"text_col": "message"}, "no column 'message'"),
        ({"text_col": "id"}, "is bigint, not string"),
        ({"thresholds": {"hat": 0.5}}, "unknown label(s) in thresholds: hat"),
        ({"thresholds": {"hate": 1.5}}, "between 0 and 1"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            score_dataframe(frame, **kwargs)
    with pytest.raises(ValueError, match="already has column"):
        score_dataframe(frame.withColumnRenamed("author", "flagged"))


# --- threatdetect score --engine spark -----------------------------------------------------------


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _score(inputs: list[Path], out: Path, *extra: str):
    result = runner.invoke(
        app, ["score", *map(str, inputs), "-o", str(out), "--precision", PRECISION, "--force", *extra]
    )
    assert result.exit_code == 0, result.output
    return result


def _assert_same_output(local: list[dict], spark: list[dict]) -> None:
    assert [record["id"] for record in spark] == [record["id"] for record in local]
    for ours, theirs in zip(spark, local, strict=True):
        assert ours["scores"] == pytest.approx(theirs["scores"], abs=1e-5)
        assert {**ours, "scores": None} == {**theirs, "scores": None}


def _jsonl_dump(path: Path) -> None:
    """A JSONL dump with every kind of bad record, long enough to be read in several blocks."""
    lines: list[bytes] = []
    for round_ in range(3):
        for index, text in enumerate(TEXTS):
            record = {"id": f"r{round_}-{index}", "text": text, "author": f"user{index}"}
            if index == 0:
                record["created_at"] = "2024-03-12T18:02:11Z"
            lines.append(json.dumps(record, ensure_ascii=False).encode("utf-8"))
        lines += [
            b"",  # blank: no record, but the lines after it count it
            f'{{"id": "empty{round_}", "text": ""}}'.encode(),
            f'{{"id": "cut{round_}", "text": "vergeten af te sluiten"'.encode(),
            f'["list{round_}", "een lijst in plaats van een object"]'.encode(),
            f'{{"id": "notext{round_}", "author": "x"}}'.encode(),
            f'{{"id": "latin{round_}", "text": "caf\xe9 of niet, ik maak je af"}}'.encode("latin-1"),
            f'{{"id": "nul{round_}", "text": "ik weet waar je woont\\u0000"}}'.encode(),
        ]
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")  # a byte-order mark, as Excel writes


@pytest.mark.slow
def test_engine_spark_writes_what_the_local_engine_writes_for_a_jsonl_file(spark, tmp_path):
    dump = tmp_path / "dump.jsonl"
    _jsonl_dump(dump)
    local = _score([dump], tmp_path / "local.jsonl", "--all")
    # Blocks of a few hundred bytes: records and lines must be numbered across blocks and partitions.
    with spark_conf(
        spark, **{"spark.sql.files.maxPartitionBytes": "700", "spark.sql.files.openCostInBytes": "0"}
    ):
        blocks = spark.read.text(str(dump)).select("_metadata.file_block_start").distinct().count()
        ours = _score([dump], tmp_path / "spark.jsonl", "--all", "--engine", "spark")
    assert blocks > 2
    _assert_same_output(_records(tmp_path / "local.jsonl"), _records(tmp_path / "spark.jsonl"))
    local_errors = (tmp_path / "local.errors.jsonl").read_text(encoding="utf-8")
    assert (tmp_path / "spark.errors.jsonl").read_text(encoding="utf-8") == local_errors
    assert len(local_errors.splitlines()) == 4 * 3
    summary = [line for line in ours.output.splitlines() if line.startswith(("in ", "repaired", "flagged"))]
    assert summary == [
        line for line in local.output.splitlines() if line.startswith(("in ", "repaired", "flagged"))
    ]
    assert summary[0] == f"in {3 * (len(TEXTS) + 6)} = scored {3 * (len(TEXTS) + 2)} + rejected 12"


@pytest.mark.slow
def test_engine_spark_reads_a_parquet_folder_and_lists_its_rejected_records(spark, tmp_path):
    folder = tmp_path / "dump.parquet"
    folder.mkdir()
    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("author", pa.string())])
    parts = [[*TEXTS[:4], None], ["", *TEXTS[4:]]]  # a null text and an empty one
    for number, texts in enumerate(parts):
        rows = [{"id": f"p{number}-{i}", "text": text, "author": "a"} for i, text in enumerate(texts)]
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), folder / f"part-{number:05d}.parquet")
    (folder / "_SUCCESS").write_bytes(b"")
    files = sorted(folder.glob("part-*.parquet"))
    _score(files, tmp_path / "local.jsonl")
    result = _score([folder], tmp_path / "spark.jsonl", "--engine", "spark")
    local, ours = _records(tmp_path / "local.jsonl"), _records(tmp_path / "spark.jsonl")
    assert local and all(record["flagged"] for record in ours)
    _assert_same_output(local, ours)
    errors = _records(tmp_path / "spark.errors.jsonl")
    assert errors == _records(tmp_path / "local.errors.jsonl")
    assert [(Path(e["source"]).name, e["record"], e["reason"]) for e in errors] == [
        ("part-00000.parquet", 5, "the text is null"),
        ("part-00001.parquet", 1, "the text is empty"),
    ]
    total = sum(len(texts) for texts in parts)
    assert f"in {total} = scored {total - 2} + rejected 2" in result.output
    assert f"rejected records listed in {tmp_path / 'spark.errors.jsonl'}" in result.output


@pytest.mark.parametrize(
    ("given", "uri", "local"),
    [
        # Typer's Path turns hdfs://host/x into hdfs:/host/x; the second slash comes back.
        (Path("hdfs://namenode:8020/dumps/2024"), "hdfs://namenode:8020/dumps/2024", None),
        ("s3a://bucket/dumps/part-0.parquet", "s3a://bucket/dumps/part-0.parquet", None),
        ("file:///tmp/dump.jsonl", "file:///tmp/dump.jsonl", Path("/tmp/dump.jsonl")),
        ("/tmp/dump.jsonl", "file:///tmp/dump.jsonl", Path("/tmp/dump.jsonl")),
    ],
)
def test_inputs_become_uris_spark_reads(given, uri, local):
    from threatdetect.integrations.spark_inputs import _uri

    assert _uri(given) == (uri, local)


def test_records_are_named_by_the_path_as_given(tmp_path, monkeypatch):
    from threatdetect.integrations.spark_inputs import DumpInput

    monkeypatch.chdir(tmp_path)
    (tmp_path / "dump" / "day=1").mkdir(parents=True)
    (tmp_path / "one.jsonl").write_text("{}\n", encoding="utf-8")
    folder = DumpInput(0, "dump", (tmp_path / "dump").as_uri(), "parquet", tmp_path / "dump")
    assert folder.source(f"file:{tmp_path}/dump/day=1/part%200.parquet") == "dump/day=1/part 0.parquet"
    single = DumpInput(1, "one.jsonl", (tmp_path / "one.jsonl").as_uri(), "jsonl", tmp_path / "one.jsonl")
    assert single.source(f"file:{tmp_path}/one.jsonl") == "one.jsonl"
    remote = DumpInput(2, "hdfs:/nn/x", "hdfs://nn/x", "jsonl", None)
    assert remote.source("hdfs://nn/x/part-0.json") == "hdfs://nn/x/part-0.json"


def test_engine_spark_refuses_what_spark_cannot_read_before_starting(tmp_path):
    x_archive = Path("examples/x-archive.zip")
    result = runner.invoke(
        app, ["score", str(x_archive), "--engine", "spark", "-o", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert (
        "the Spark engine reads jsonl, csv, tsv, parquet, not x; score it with the local engine"
        in result.output
    )
    missing = runner.invoke(app, ["score", str(tmp_path / "nope.jsonl"), "--engine", "spark"])
    assert missing.exit_code == 2 and "file not found" in missing.output
