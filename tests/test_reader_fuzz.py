"""Fuzzing the readers: random and mutated bytes, starting from the example dumps.

Whatever a file holds, reading it may end in only three ways: messages, rejected records (each
listed with a reason), or one `InputError`, a single line that names the file. Any other exception
would be a traceback for the person scoring the dump, and a message that cannot be written as
UTF-8 would stop the run when it is written. Examples are derandomised, so CI sees the same files on
every run; search further with `THREATDETECT_FUZZ_EXAMPLES=500 THREATDETECT_FUZZ_RANDOM=1`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threatdetect.io.readers import FORMATS, read_messages
from threatdetect.io.records import InputError, Message, Rejected

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: (example file, format it is read as)
SEEDS = [
    ("replies.jsonl", "jsonl"),
    ("replies.csv", "csv"),
    ("replies_semicolon.csv", "csv"),
    ("replies.tsv", "tsv"),
    ("replies.json", "json"),
    ("replies.parquet", "parquet"),
    ("x-archive/data/tweets.js", "x"),
    ("x-archive/data/direct-messages.js", "x"),
    ("x-archive.zip", "x"),
    ("facebook/comments.json", "facebook"),
    ("facebook/message_1.json", "facebook"),
    ("instagram/post_comments_1.json", "instagram"),
]

#: Pieces that break readers: quotes, delimiters, line breaks, NULs, byte-order marks, invalid
#: UTF-8, JSON escapes of NUL and half an emoji, and deep nesting.
TOKENS = [
    b'"',
    b'""',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\x1b",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xe9",
    b"\xff",
    b"\xc3",
    b"\\",
    b"\\u0000",
    b"\\ud83d",
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b'"text"',
    b"[" * 5_000,
    b"{" * 2_000,
    b"x" * 300_000,
]

FUZZ = settings(
    max_examples=int(os.environ.get("THREATDETECT_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=not os.environ.get("THREATDETECT_FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """`original` after a few random edits: byte flips, inserted tokens, cuts and copied chunks."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "copy"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        elif kind == "copy":
            start = draw(st.integers(0, len(data)))
            data[at:at] = data[start : start + draw(st.integers(1, 200))]
    return bytes(data)


def _read_all(path: Path, fmt: str | None) -> list[Message | Rejected] | InputError:
    """Every record of the file, or the InputError; anything else fails the test."""
    try:
        return list(read_messages(path, fmt=fmt))
    except InputError as error:
        return error


def _check(outcome: list[Message | Rejected] | InputError, path: Path) -> None:
    if isinstance(outcome, InputError):
        assert "\n" not in str(outcome) and str(path) in str(outcome) and outcome.reason
        return
    assert [r.record for r in outcome] == list(range(1, len(outcome) + 1)), "every record counted once"
    for record in outcome:
        assert isinstance(record, Message | Rejected)
        if isinstance(record, Rejected):
            assert record.reason and "\n" not in record.reason
            json.dumps(record.to_dict(), ensure_ascii=True)
        else:
            assert isinstance(record.text, str) and record.text.strip() and "\x00" not in record.text
            # Written as UTF-8 JSON and hashed: must not fail on anything a reader let through.
            json.dumps(dataclasses.asdict(record), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize(("name", "fmt"), SEEDS, ids=[seed[0] for seed in SEEDS])
def test_mutated_example_files(tmp_path_factory, name, fmt):
    original = (EXAMPLES / name).read_bytes()
    folder = tmp_path_factory.mktemp("fuzz")

    @FUZZ
    @given(data=mutated(original), forced=st.booleans())
    def read_mutated(data: bytes, forced: bool) -> None:
        path = folder / Path(name).name
        path.write_bytes(data)
        _check(_read_all(path, fmt if forced else None), path)

    read_mutated()


@pytest.mark.parametrize("fmt", FORMATS)
def test_random_bytes(tmp_path_factory, fmt):
    folder = tmp_path_factory.mktemp("fuzz")

    @FUZZ
    @given(data=st.binary(max_size=2_000) | st.lists(st.sampled_from(TOKENS), max_size=30).map(b"".join))
    def read_random(data: bytes) -> None:
        path = folder / "dump.dat"
        path.write_bytes(data)
        _check(_read_all(path, fmt), path)

    read_random()
