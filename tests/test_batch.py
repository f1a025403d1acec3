"""The streaming batch scorer: every record ends up scored or rejected, whatever fails."""

from __future__ import annotations

import io
import json
import threading
from collections import Counter

import pytest

from threatdetect.io.records import Message, Rejected
from threatdetect.io.writers import RecordWriter
from threatdetect.labels import LABELS
from threatdetect.scoring.batch import _one_ahead, score_stream
from threatdetect.scoring.results import ScoreResult


class _FragileDetector:
    """Scores everything as harmless, but breaks on any text containing 'boom'."""

    def score_batch(self, texts):
        if any("boom" in text for text in texts):
            raise RuntimeError("tokenizer exploded")
        return [ScoreResult(t, dict.fromkeys(LABELS, 0.0), (), False) for t in texts], Counter(
            linear=len(texts)
        )


def _message(number: int, text: str) -> Message:
    return Message(id=str(number), text=text, record=number, source="dump.jsonl", line=number)


def test_a_message_that_breaks_the_model_is_rejected_and_the_rest_are_scored():
    records = [
        _message(1, "hallo"),
        Rejected("dump.jsonl", 2, "the text is empty", 2, "text"),
        _message(3, "boom"),
        _message(4, "tot ziens"),
    ]
    out, errors = io.StringIO(), io.StringIO()
    summary = score_stream(
        records, _FragileDetector(), RecordWriter(out, "jsonl"), errors, include_all=True, chunk_size=10
    )
    assert summary.inputs == 4 and summary.scored == 2 and summary.rejected == 2
    assert summary.consistent()
    # The chunk failed, so the two good messages were scored one at a time: their stages still count.
    assert summary.stages == {"linear": 2}
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ["1", "4"]
    rejected = [json.loads(line) for line in errors.getvalue().splitlines()]
    assert [r["record"] for r in rejected] == [2, 3]
    assert "internal error while scoring (RuntimeError)" in rejected[1]["reason"]
    assert "boom" not in errors.getvalue(), "the errors file names the record, the log never the text"


def test_summary_counts_flags_per_label():
    class Flagger(_FragileDetector):
        def score_batch(self, texts):
            results = [
                ScoreResult(t, dict.fromkeys(LABELS, 0.9), ("intimidation", "death_threat"), True)
                for t in texts
            ]
            return results, Counter(transformer=len(texts))

    summary = score_stream([_message(i, "x y") for i in range(1, 6)], Flagger(), None, None)
    assert summary.flagged == 5 and summary.per_label["death_threat"] == 5 and summary.per_label["hate"] == 0
    assert "in 5 = scored 5 + rejected 0" in summary.lines()[0]


def test_the_next_item_is_prepared_in_the_background_in_order():
    drawn_in, done = [], []

    def items():
        for number in range(5):
            drawn_in.append(threading.current_thread().name)
            yield number

    def work(number):
        done.append(number)
        return number * 10

    results = []
    for value in _one_ahead(items(), work):
        # While the caller holds a result, the next item is already being prepared (or ready).
        results.append(value)
    assert results == [0, 10, 20, 30, 40]
    assert done == [0, 1, 2, 3, 4]
    assert all(name.startswith("threatdetect-prepare") for name in drawn_in)


def test_a_failure_while_reading_ahead_reaches_the_caller_after_the_items_before_it():
    def items():
        yield 1
        raise OSError("disk gone")

    seen = []
    with pytest.raises(OSError, match="disk gone"):
        for value in _one_ahead(items(), lambda item: item):
            seen.append(value)
    assert seen == [1]


def test_a_chunk_that_cannot_be_read_ahead_is_still_scored(caplog):
    class _Counting(_FragileDetector):
        def read_ahead(self, texts):
            raise ValueError("normaliser broke")

        def score_batch(self, texts, **options):
            assert all(isinstance(text, str) for text in texts), "raw texts when reading ahead failed"
            assert options.get("first") is None
            return super().score_batch(texts)

    records = [_message(i, "hallo") for i in range(1, 4)]
    summary = score_stream(records, _Counting(), None, None, chunk_size=2)
    assert summary.scored == 3 and summary.consistent()
    assert summary.stages == {"linear": 3}
    assert "reading a chunk ahead failed (ValueError)" in caplog.text
