"""The streaming batch scorer: every record ends up scored or rejected, whatever fails."""

from __future__ import annotations

import io
import json
from collections import Counter

from threatdetect.io.records import Message, Rejected
from threatdetect.io.writers import RecordWriter
from threatdetect.labels import LABELS
from threatdetect.scoring.batch import score_stream
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
