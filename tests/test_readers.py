"""Readers: every format on the example dumps, format detection, streaming, and bad input.

Bad input comes in two kinds, each table-driven: fatal problems raise InputError when
`read_messages` is called (before the first record is asked for), and bad records come out as
`Rejected` with the right line and field while the good records around them still come through.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import logging
import tracemalloc
from pathlib import Path

import pytest

from threatdetect.io.readers import FORMATS, MAX_TEXT_CHARS, detect_format, read_messages
from threatdetect.io.readers.mojibake import repair_mojibake
from threatdetect.io.readers.timestamps import to_iso
from threatdetect.io.records import InputError, Message, Rejected

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _split(records):
    messages = [r for r in records if isinstance(r, Message)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert len(messages) + len(rejected) == len(records)
    return messages, rejected


# --- the example dumps ---------------------------------------------------------------------------

# path, format, records, messages, first id, first author, first timestamp, first url, platform
EXAMPLE_CASES = [
    (
        "replies.jsonl",
        "jsonl",
        30,
        30,
        "r1001",
        "fietsfan_dkv",
        "2024-03-12T18:02:11Z",
        "https://example.org/dijkerveen/posts/r1001",
        None,
    ),
    (
        "replies.csv",
        "csv",
        15,
        15,
        "c2001",
        "fietsfan_dkv",
        "2024-03-12T18:02:11Z",
        "https://example.org/dijkerveen/posts/c2001",
        None,
    ),
    ("replies_semicolon.csv", "csv", 12, 12, "s3001", "fietsfan_dkv", "2024-03-12T18:02:00", None, None),
    ("replies.tsv", "tsv", 16, 16, "t4001", "gent_kijkt_mee", "2024-03-12T18:02:11Z", None, None),
    (
        "replies.json",
        "json",
        15,
        15,
        "j5001",
        "fietsfan_dkv",
        "2024-03-12T18:02:11Z",
        "https://example.org/dijkerveen/posts/j5001",
        None,
    ),
    (
        "replies.parquet",
        "parquet",
        20,
        20,
        "r1001",
        "fietsfan_dkv",
        "2024-03-12T18:02:11Z",
        "https://example.org/dijkerveen/posts/r1001",
        None,
    ),
    (
        "x-archive/data/tweets.js",
        "x",
        10,
        9,
        "9000000000000000101",
        "wethouder_tulpenveld",
        "2024-03-12T18:02:11Z",
        "https://x.com/i/web/status/9000000000000000101",
        "x",
    ),
    (
        "x-archive/data/direct-messages.js",
        "x",
        8,
        8,
        "9300000000000000001",
        "9200000011",
        "2024-03-12T18:02:11Z",
        None,
        "x",
    ),
    (
        "x-archive.zip",
        "x",
        18,
        17,
        "9000000000000000101",
        "wethouder_tulpenveld",
        "2024-03-12T18:02:11Z",
        "https://x.com/i/web/status/9000000000000000101",
        "x",
    ),
    (
        "x-archive",
        "x",
        18,
        17,
        "9000000000000000101",
        "wethouder_tulpenveld",
        "2024-03-12T18:02:11Z",
        "https://x.com/i/web/status/9000000000000000101",
        "x",
    ),
    (
        "facebook/comments.json",
        "facebook",
        11,
        10,
        "1",
        "Hendrik Zwavelstok",
        "2024-03-12T18:02:11Z",
        None,
        "facebook",
    ),
    (
        "facebook/message_1.json",
        "facebook",
        8,
        7,
        "1",
        "Hendrik Zwavelstok",
        "2024-03-12T22:22:42Z",
        None,
        "facebook",
    ),
    (
        "instagram/post_comments_1.json",
        "instagram",
        10,
        10,
        "1",
        None,
        "2024-03-12T18:02:11Z",
        None,
        "instagram",
    ),
    ("bad_records.jsonl", "jsonl", 18, 7, "b1", "fietsfan_dkv", "2024-03-12T18:02:11Z", None, None),
]


@pytest.mark.parametrize(
    ("name", "fmt", "n_records", "n_messages", "first_id", "author", "timestamp", "url", "platform"),
    EXAMPLE_CASES,
    ids=[case[0] for case in EXAMPLE_CASES],
)
def test_example_dumps(name, fmt, n_records, n_messages, first_id, author, timestamp, url, platform):
    path = EXAMPLES / name
    assert detect_format(path) == fmt
    records = list(read_messages(path))
    messages, _ = _split(records)
    assert (len(records), len(messages)) == (n_records, n_messages)
    assert [r.record for r in records] == list(range(1, n_records + 1))
    assert all(r.source == str(path) for r in records)
    first = messages[0]
    assert (first.id, first.author, first.timestamp, first.url, first.platform) == (
        first_id,
        author,
        timestamp,
        url,
        platform,
    )
    assert all(m.text.strip() for m in messages)
    # Forcing the detected format gives the same records.
    assert list(read_messages(path, fmt=fmt)) == records


def test_generic_files_agree_with_each_other():
    by_id = {m.id: m for m in read_messages(EXAMPLES / "replies.jsonl")}
    parquet = list(read_messages(EXAMPLES / "replies.parquet"))
    assert [(m.id, m.text, m.author, m.timestamp, m.url) for m in parquet] == [
        (m.id, m.text, m.author, m.timestamp, m.url) for m in list(by_id.values())[:20]
    ]
    # "+01:00" in the JSONL is converted to UTC.
    assert by_id["r1004"].timestamp == "2024-03-12T19:53:50Z"


def test_jsonl_and_csv_carry_line_numbers():
    csv_records = list(read_messages(EXAMPLES / "replies.csv"))
    assert [m.line for m in csv_records[:3]] == [2, 3, 4]
    last = csv_records[-1]
    assert last.line == 16 and last.text.startswith('Twee dingen:\n1. de bus, "lijn 4"')
    assert [m.line for m in read_messages(EXAMPLES / "replies.jsonl")][:3] == [1, 2, 3]
    assert all(m.line is None for m in read_messages(EXAMPLES / "replies.json"))


def test_cp1252_csv_is_read_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        messages = list(read_messages(EXAMPLES / "replies_semicolon.csv"))
    assert "not UTF-8" in caplog.text and "cp1252" in caplog.text
    texts = {m.id: m.text for m in messages}
    assert "€ 2 miljoen" in texts["s3001"]
    assert "Eénrichtingsweg" in texts["s3010"]
    assert "’s avonds" in texts["s3011"]
    assert messages[3].author == "café_de_zwaan"


def test_facebook_and_instagram_mojibake_is_repaired():
    raw = (EXAMPLES / "facebook" / "message_1.json").read_text(encoding="ascii")
    assert "\\u00c3\\u00a9" in raw  # the file really has Meta's escapes
    texts = [
        m.text for m in read_messages(EXAMPLES / "facebook" / "message_1.json") if isinstance(m, Message)
    ]
    assert texts[0] == "Sterkte met alles, ik sta achter je. Café René doet volgende week een inzameling ❤️"
    authors = {
        m.author for m in read_messages(EXAMPLES / "facebook" / "message_1.json") if isinstance(m, Message)
    }
    assert "Mariëlle Brouwersgracht" in authors
    comments = [
        m.text for m in read_messages(EXAMPLES / "facebook" / "comments.json") if isinstance(m, Message)
    ]
    assert "🍻" in comments[0] and "Naïef" in comments[3] and "Crème" in comments[8]
    instagram = list(read_messages(EXAMPLES / "instagram" / "post_comments_1.json"))
    assert instagram[2].text == "Eindelijk een échte oplossing voor de parkeerdrukte 👏"
    assert instagram[0].extra["media_owner"] == "wethouder_tulpenveld"
    assert all("Ã" not in m.text and "ð" not in m.text for m in instagram)


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("caf\u00c3\u00a9", "café"),
        ("\u00f0\u009f\u0098\u00a1 boos", "😡 boos"),
        ("al goed: café", "al goed: café"),  # correct text is left alone
        ("plain ascii", "plain ascii"),
    ],
)
def test_repair_mojibake(broken, repaired):
    assert repair_mojibake(broken) == repaired


def test_x_archive_details():
    zipped = list(read_messages(EXAMPLES / "x-archive.zip"))
    folder = list(read_messages(EXAMPLES / "x-archive"))
    assert [(r.id, r.text) for r in zipped if isinstance(r, Message)] == [
        (r.id, r.text) for r in folder if isinstance(r, Message)
    ]
    tweets = {m.id: m for m in zipped if isinstance(m, Message) and m.extra["member"] == "data/tweets.js"}
    assert "voedselbank & de kledingbank" in tweets["9000000000000000105"].text  # &amp; unescaped
    assert tweets["9000000000000000102"].extra["in_reply_to_screen_name"] == "moeder_van_drie"
    dms = [m for m in zipped if isinstance(m, Message) and "direct-messages" in m.extra["member"]]
    assert len(dms) == 8  # the reaction event is not a message
    assert dms[1].author == "wethouder_tulpenveld"  # senderId of the archive's own account
    assert dms[3].author == "9200000022" and dms[3].url is None
    assert dms[3].extra["conversation_id"] == "9100000001-9200000022"
    empty = [r for r in zipped if isinstance(r, Rejected)]
    assert len(empty) == 1 and empty[0].field == "full_text" and empty[0].record == 10


def test_bad_records_example():
    records = list(read_messages(EXAMPLES / "bad_records.jsonl"))
    messages, rejected = _split(records)
    assert [m.id for m in messages] == ["b1", "b3", "b7", "b14", "b15", "b18", "b20"]
    assert [m.id for m in messages if m.warnings] == ["b7", "b14", "b15"]  # repaired, with a warning
    assert messages[5].text.endswith("🔫")  # the CRLF line
    # lines 5 and 17 are blank: not records, but lines still count
    assert [r.line for r in rejected] == [2, 4, 6, 8, 9, 10, 11, 12, 13, 16, 19]


# --- format detection ----------------------------------------------------------------------------

DETECT_CASES = [
    ("a.jsonl", b'{"text": "hoi"}\n', "jsonl"),
    ("a.ndjson", b'{"text": "hoi"}\n', "jsonl"),
    ("a.json", b'{"text": "hoi"}\n{"text": "doei"}\n', "jsonl"),
    ("a.json", b'[{"text": "hoi"}]', "json"),
    ("a.json", b'{"comments_v2": []}', "facebook"),
    ("a.json", b'{"participants": [], "messages": []}', "facebook"),
    ("a.json", b'[{"string_map_data": {}}]', "instagram"),
    ("a.json", b'{"comments_media_comments": []}', "instagram"),
    ("a.txt", b'{"text": "hoi"}\n{"text": "doei"}\n', "jsonl"),
    ("a.txt", b"id;text\n1;hoi\n", "csv"),
    ("a.txt", b"id\ttext\n1\thoi\n", "tsv"),
    ("a.txt", b"window.YTD.tweets.part0 = []", "x"),
    ("a.dat", b"PAR1\x00\x00", "parquet"),
    ("a.csv", b"id,text\n", "csv"),
    ("a.tsv", b"id\ttext\n", "tsv"),
    ("a.js", b"window.YTD.tweets.part0 = []", "x"),
]


@pytest.mark.parametrize(("name", "content", "fmt"), DETECT_CASES)
def test_detect_format(tmp_path, name, content, fmt):
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == fmt
    assert fmt in FORMATS


# --- streaming -----------------------------------------------------------------------------------


def _big_jsonl(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"id": f"m{i}", "text": f"bericht nummer {i} " + "bla " * 20}) + "\n")
    return path.stat().st_size


def test_jsonl_is_read_lazily(tmp_path):
    """The first record arrives after reading a sliver of a 12 MB file, and memory stays small."""
    path = tmp_path / "big.jsonl"
    size = _big_jsonl(path, 120_000)
    tracemalloc.start()
    try:
        records = read_messages(path)
        first = next(records)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first.id == "m0"
    assert peak < size / 20, f"peak {peak} bytes for a {size} byte file"


def test_whole_file_is_streamed_with_flat_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    size = _big_jsonl(path, 30_000)
    csv_path = tmp_path / "big.csv"
    csv_path.write_text("id,text\n" + "".join(f"c{i},hallo nummer {i} {'x' * 80}\n" for i in range(30_000)))
    for source, total in ((path, size), (csv_path, csv_path.stat().st_size)):
        tracemalloc.start()
        try:
            count = sum(1 for _ in read_messages(source))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert count == 30_000
        assert peak < total / 10, f"{source.name}: peak {peak} bytes for a {total} byte file"


# --- fatal problems: InputError when read_messages is called --------------------------------------


def _write(tmp_path: Path, name: str, content: bytes | str | None) -> Path:
    path = tmp_path / name
    if content is None:
        return path
    if isinstance(content, str):
        content = content.encode("utf-8")
    if name.endswith("/"):
        path.mkdir()
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return path


def _zip_with(names: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# name, file, content, read_messages kwargs, words in the message, line, field
FATAL_CASES = [
    ("missing file", "nope.jsonl", None, {}, "file not found", None, None),
    ("folder without archive", "dump/", b"", {}, "folder", None, None),
    (
        "unknown format name",
        "a.jsonl",
        b'{"text": "hoi"}\n',
        {"fmt": "xml"},
        "unknown format 'xml'",
        None,
        None,
    ),
    ("undetectable content", "a.dat", b"\x01\x02\x03 binary", {}, "--format", None, None),
    ("empty file of unknown kind", "a.dat", b"", {}, "empty", None, None),
    (
        "jsonl text field missing",
        "a.jsonl",
        b'\n{"id": 1, "body": "hoi"}\n',
        {},
        "no field 'text' in the first record; use --text-field to name the text field (found: id, body)",
        2,
        "text",
    ),
    (
        "jsonl custom text field missing",
        "a.jsonl",
        b'{"id": 1, "text": "hoi"}\n',
        {"text_field": "body"},
        "found: id, text",
        1,
        "body",
    ),
    ("jsonl that is not JSON", "a.jsonl", b"id,text\n1,hoi\n", {}, "no JSON object", None, None),
    ("csv header without text column", "a.csv", b"id,body\n1,hoi\n", {}, "found: id, body", 1, "text"),
    ("csv empty", "a.csv", b"", {}, "empty", None, None),
    (
        "tsv header without text column",
        "a.tsv",
        b"id\tbericht\n1\thoi\n",
        {},
        "found: id, bericht",
        1,
        "text",
    ),
    (
        "json not an array",
        "a.json",
        b'{"data": [{"text": "hoi"}]}',
        {"fmt": "json"},
        "expected an array",
        None,
        None,
    ),
    ("json invalid", "a.json", b'[{"text": "hoi"},\n {"text": }]', {}, "not valid JSON", 2, None),
    ("json first object without text", "a.json", b'[{"body": "hoi"}]', {}, "found: body", None, "text"),
    (
        "parquet that is not parquet",
        "a.parquet",
        b"this is not parquet",
        {},
        "not a readable Parquet",
        None,
        None,
    ),
    ("zip without X archive", "a.zip", _zip_with({"notes.txt": b"hoi"}), {}, "no data/tweets.js", None, None),
    ("x file without prefix", "tweets.js", b'[{"tweet": {}}]', {}, "window.YTD", None, None),
    (
        "x account file",
        "account.js",
        b'window.YTD.account.part0 = [{"account": {}}]',
        {},
        "not messages",
        None,
        None,
    ),
    ("x file damaged", "tweets.js", b"window.YTD.tweets.part0 = [{", {}, "damaged", 1, None),
    ("jsonl mostly binary", "a.jsonl", bytes(range(256)) * 40, {}, "mostly not utf-8 text", None, None),
    (
        "jsonl in UTF-16 without a byte-order mark",
        "a.jsonl",
        '{"text": "hoi"}\n'.encode("utf-16-le") * 20,
        {},
        "UTF-16 without a byte-order mark",
        None,
        None,
    ),
    ("json array nested 100,000 deep", "a.json", b"[" * 100_000, {}, "nested too deeply", None, None),
    (
        "facebook nested 100,000 deep",
        "comments.json",
        b'{"comments_v2": [' + b"[" * 100_000,
        {},
        "nested too deeply",
        None,
        None,
    ),
    (
        "x file nested 100,000 deep",
        "tweets.js",
        b"window.YTD.tweets.part0 = " + b"[" * 100_000,
        {},
        "nested too deeply",
        None,
        None,
    ),
    ("csv header quote never closes", "a.csv", b'id,"text\n1,hoi\n', {}, "header row", 1, None),
    (
        "facebook forced on a generic file",
        "a.json",
        b'[{"text": "hoi"}]',
        {"fmt": "facebook"},
        "not a Facebook",
        None,
        None,
    ),
    (
        "instagram forced on a generic file",
        "a.json",
        b'[{"text": "hoi"}]',
        {"fmt": "instagram"},
        "not an Instagram",
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("name", "filename", "content", "kwargs", "words", "line", "field"),
    FATAL_CASES,
    ids=[case[0] for case in FATAL_CASES],
)
def test_fatal_input_raises_at_call_time(tmp_path, name, filename, content, kwargs, words, line, field):
    path = _write(tmp_path, filename, content)
    with pytest.raises(InputError) as caught:
        read_messages(path, **kwargs)  # not iterated: the error must come before the first record
    error = caught.value
    assert error.source == str(path)
    assert str(path) in str(error)
    assert words in error.reason
    assert error.line == line
    assert error.field == field


def test_parquet_without_text_column_is_fatal(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["1"], "body": ["hoi"]}), path)
    with pytest.raises(InputError, match="found: id, body"):
        read_messages(path)


# --- bad records: Rejected, and reading goes on ----------------------------------------------------

GOOD = b'{"id": "ok", "text": "goed bericht"}'
LONG = "x" * (MAX_TEXT_CHARS + 1)
CSV_PAD = "".join(
    f"p{i},opvulling om voorbij de encoding-steekproef te komen {'y' * 60}\n" for i in range(900)
)

# name, file, lines of content (between two good records), words in the reason, field
JSONL_BAD = [
    ("invalid JSON", b'{"text": "open', "not valid JSON", None),
    ("JSON array", b'["een", "lijst"]', "not an object", None),
    ("JSON string", b'"alleen tekst"', "JSON string, not an object", None),
    ("JSON number", b"42", "JSON number, not an object", None),
    ("missing text field", b'{"id": "x", "body": "hoi"}', "no field 'text'", "text"),
    ("null text", b'{"text": null}', "null", "text"),
    ("empty text", b'{"text": ""}', "empty", "text"),
    ("whitespace text", b'{"text": " \\n\\t "}', "whitespace", "text"),
    ("number text", b'{"text": 3}', "a number, not a string", "text"),
    ("object text", b'{"text": {"nl": "hoi"}}', "an object, not a string", "text"),
    ("too long text", json.dumps({"text": LONG}).encode(), "too long", "text"),
]


@pytest.mark.parametrize(("name", "bad", "words", "field"), JSONL_BAD, ids=[c[0] for c in JSONL_BAD])
def test_jsonl_bad_record_is_rejected(tmp_path, name, bad, words, field):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD + b"\n\n" + bad + b"\n" + GOOD + b"\n")  # line 2 is blank: not a record
    records = list(read_messages(path))
    messages, rejected = _split(records)
    assert len(records) == 3 and len(messages) == 2
    (bad_record,) = rejected
    assert (bad_record.record, bad_record.line, bad_record.field) == (2, 3, field)
    assert words in bad_record.reason
    assert bad_record.source == str(path)
    assert bad_record.raw is not None and len(bad_record.raw) <= 200
    assert [m.line for m in messages] == [1, 4]


CSV_BAD = [
    ("too many fields", "x1,hoi,extra veld\n", "3 fields, the header has 2", None, 0),
    ("too few fields", "x1\n", "1 fields, the header has 2", None, 0),
    ("empty text", "x1,\n", "empty", "text", 0),
    ("whitespace text", 'x1,"   "\n', "whitespace", "text", 0),
    ("too long text", f"x1,{LONG}\n", "too long", "text", 0),
    ("far too long text", f"x1,{LONG}{LONG}\n", "longer than 200,000 characters", None, 0),
    ("unclosed quote", 'x1,"een quote die niet sluit\n', "unclosed quote starting at line 4", None, 0),
    ("carriage return in a field", "x1,a\rb\n", "cannot read", None, 0),
]


@pytest.mark.parametrize(("name", "bad", "words", "field", "pad"), CSV_BAD, ids=[c[0] for c in CSV_BAD])
def test_csv_bad_row_is_rejected(tmp_path, name, bad, words, field, pad):
    path = tmp_path / "bad.csv"
    padding = CSV_PAD if pad else ""
    text = "id,text\n" + padding + "a1,goed\n\n" + bad + '"a2","ook goed, met komma"\n'
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    records = list(read_messages(path))
    messages, rejected = _split(records)
    assert len(records) == pad + 3 and len(messages) == pad + 2
    (bad_record,) = rejected
    assert bad_record.line == pad + 4 and bad_record.record == pad + 2 and bad_record.field == field
    assert words in bad_record.reason
    assert messages[-1].text == "ook goed, met komma" and messages[-1].line == pad + 5


def test_jsonl_line_nested_100000_deep_costs_only_itself(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_bytes(GOOD + b"\n" + b"[" * 100_000 + b"\n" + GOOD + b"\n")
    messages, rejected = _split(list(read_messages(path)))
    assert len(messages) == 2
    (deep,) = rejected
    assert deep.line == 2 and "nested too deeply" in deep.reason and len(deep.raw) <= 200


# --- repaired records: scored, with a warning that says what was repaired -------------------------

# name, file name, content, text of the message with id "r", words in its warning (None: no warning)
REPAIRED = [
    (
        "jsonl invalid UTF-8 bytes",
        "a.jsonl",
        GOOD + b'\n{"id": "r", "text": "caf\xe9 \xff\xfe"}\n',
        "caf\ufffd \ufffd\ufffd",
        "could not be decoded",
    ),
    ("jsonl raw NUL byte", "a.jsonl", b'{"id": "r", "text": "a\x00b"}\n', "ab", "NUL"),
    ("jsonl escaped NUL", "a.jsonl", b'{"id": "r", "text": "a\\u0000b"}\n', "ab", "NUL"),
    ("jsonl raw control characters", "a.jsonl", b'{"id": "r", "text": "a\tb\x1bc"}\n', "a\tb\x1bc", None),
    (
        "jsonl half an emoji",
        "a.jsonl",
        b'{"id": "r", "text": "ik \\ud83d jou"}\n',
        "ik \ufffd jou",
        "decoded",
    ),
    (
        "jsonl bad byte in the author",
        "a.jsonl",
        b'{"id": "r", "author": "j\xff", "text": "hoi"}\n',
        "hoi",
        "author",
    ),
    (
        "csv invalid UTF-8 past the encoding sample",
        "a.csv",
        ("id,text\n" + CSV_PAD).encode() + b"r,caf\xe9\n",
        "caf\ufffd",
        "could not be decoded",
    ),
    ("csv NUL", "a.csv", b"id,text\nr,a\x00b\n", "ab", "NUL"),
    ("json array invalid UTF-8 bytes", "a.json", b'[{"id": "r", "text": "caf\xe9"}]', "caf\ufffd", "decoded"),
    ("json array raw NUL and tab", "a.json", b'[{"id": "r", "text": "a\x00b\tc"}]', "ab\tc", "NUL"),
    (
        "x archive invalid UTF-8 bytes",
        "tweets.js",
        b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "r", "full_text": "caf\xe9"}}]',
        "caf\ufffd",
        "could not be decoded",
    ),
]


@pytest.mark.parametrize(
    ("name", "filename", "content", "text", "words"), REPAIRED, ids=[c[0] for c in REPAIRED]
)
def test_repairable_record_is_scored_with_a_warning(tmp_path, name, filename, content, text, words):
    path = tmp_path / filename
    path.write_bytes(content)
    records = list(read_messages(path))
    assert all(isinstance(r, Message) for r in records), [getattr(r, "reason", "") for r in records]
    (message,) = [r for r in records if r.id == "r"]
    assert message.text == text
    if words is None:
        assert message.warnings == []
    else:
        assert len(message.warnings) == 1 and words in message.warnings[0]
    # Whatever was repaired, the message can be written and hashed as UTF-8.
    json.dumps(dataclasses.asdict(message), ensure_ascii=False).encode("utf-8")


def test_parquet_string_column_with_bytes_that_are_not_utf8(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = pa.array([b"caf\xe9", b"goed", None], type=pa.binary()).view(pa.string())  # unchecked
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": ["r", "g", "n"], "text": texts}), path)
    records = list(read_messages(path))
    assert [(r.text, len(r.warnings)) for r in records[:2]] == [("caf\ufffd", 1), ("goed", 0)]
    assert isinstance(records[2], Rejected) and "null" in records[2].reason


def test_bad_byte_in_metadata_is_replaced_too(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "r\xe9", "author": "j\xff", "url": "https://x/\\udc00", "text": "hoi"}\n')
    (message,) = read_messages(path)
    assert (message.id, message.author, message.url) == ("r\ufffd", "j\ufffd", "https://x/\ufffd")
    assert message.warnings == ["undecodable characters in id, author, url were replaced by U+FFFD"]


# --- encodings with a byte-order mark --------------------------------------------------------------

ROWS = [("u1", "Café René 👍"), ("u2", "ik weet waar je woont"), ("u3", "tot ziens")]
BOMS = {
    "utf-8-sig": (codecs.BOM_UTF8, "utf-8"),
    "utf-16-le": (codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be": (codecs.BOM_UTF16_BE, "utf-16-be"),
    "utf-32-le": (codecs.BOM_UTF32_LE, "utf-32-le"),
}
BOM_FILES = {
    "a.jsonl": "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in ROWS),
    "a.csv": "id,text\r\n" + "".join(f"{i},{t}\r\n" for i, t in ROWS),
    "a.json": json.dumps([{"id": i, "text": t} for i, t in ROWS], ensure_ascii=False),
}


@pytest.mark.parametrize("encoding", list(BOMS))
@pytest.mark.parametrize("filename", list(BOM_FILES))
def test_a_byte_order_mark_picks_the_encoding(tmp_path, filename, encoding):
    bom, codec = BOMS[encoding]
    path = tmp_path / filename
    path.write_bytes(bom + BOM_FILES[filename].encode(codec))
    messages = list(read_messages(path))
    assert [(m.id, m.text, m.warnings) for m in messages] == [(i, t, []) for i, t in ROWS]


def test_excel_unicode_text_export_is_read_as_utf16_tsv(tmp_path):
    """Excel's "Unicode text" (.txt): UTF-16 LE with a BOM, tab-separated, CRLF, LF inside cells."""
    rows = [
        "id\ttext\tauthor",
        "u1\tCafé René 👍\tjan",
        'u2\t"twee\nregels"\tpiet',
        "u3\tik maak je af\tkees",
    ]
    path = tmp_path / "export.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "".join(row + "\r\n" for row in rows).encode("utf-16-le"))
    assert detect_format(path) == "tsv"
    messages = list(read_messages(path))
    assert [(m.id, m.text, m.author, m.line) for m in messages] == [
        ("u1", "Café René 👍", "jan", 2),
        ("u2", "twee\nregels", "piet", 3),
        ("u3", "ik maak je af", "kees", 5),
    ]


# --- unclosed quotes in CSV: only the record where the quote opens is lost -------------------------

# name, delimiter, the rows after the header (one string), line of the opening quote
UNCLOSED = [
    ("the file ends first", ",", 'a1,goed\nx1,"ik open een quote\na2,ik maak je af\na3,doei\n', 3),
    ("text after the closing quote", ",", 'a1,goed\nx1,"ik open\na2,ik maak je af\na3,"doei"\n', 3),
    ("on the last line", ",", 'a1,goed\na2,ik maak je af\nx1,"ik open', 4),
    ("in a TSV", "\t", 'a1\tgoed\nx1\t"open\na2\tik maak je af\n', 3),
    ("before a quoted text", ",", 'x1,"ik open\na1,"goed, met komma"\na2,ik maak je af\n', 2),
]


@pytest.mark.parametrize(("name", "delimiter", "rows", "line"), UNCLOSED, ids=[c[0] for c in UNCLOSED])
def test_unclosed_quote_costs_only_its_own_record(tmp_path, name, delimiter, rows, line):
    path = tmp_path / ("a.tsv" if delimiter == "\t" else "a.csv")
    path.write_text(f"id{delimiter}text\n" + rows, encoding="utf-8")
    messages, rejected = _split(list(read_messages(path)))
    (unclosed,) = rejected
    assert unclosed.line == line and f"unclosed quote starting at line {line}" in unclosed.reason
    assert unclosed.raw.startswith("x1")
    texts = {m.id: m.text for m in messages}
    assert texts["a2"] == "ik maak je af", "the threat after the quote is a message of its own"
    assert all("\n" not in text for text in texts.values())


def test_a_quoted_text_over_several_lines_is_still_one_message(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,text\na1,"een\ntwee, ""drie""\nvier"\na2,vijf\n', encoding="utf-8")
    assert [(m.id, m.text, m.line) for m in read_messages(path)] == [
        ("a1", 'een\ntwee, "drie"\nvier', 2),
        ("a2", "vijf", 5),
    ]


# --- text length ------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["a.jsonl", "a.csv"])
def test_text_length_limit_is_200000_by_default_and_can_be_set(tmp_path, filename):
    path = tmp_path / filename
    texts = ["x" * 200_000, "twaalf tekens"]
    if filename.endswith(".csv"):
        path.write_text("id,text\n" + "".join(f"m{i},{t}\n" for i, t in enumerate(texts)), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps({"id": f"m{i}", "text": t}) + "\n" for i, t in enumerate(texts)))
    assert MAX_TEXT_CHARS >= 200_000
    assert [m.text for m in read_messages(path)] == texts
    limited = list(read_messages(path, max_chars=10))
    assert all(isinstance(r, Rejected) for r in limited)
    assert "the limit is 10" in limited[1].reason and "--max-chars" in limited[1].reason


def test_json_array_bad_elements_are_rejected(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(
        json.dumps(
            [{"id": "a", "text": "hoi"}, "los", {"id": "b", "text": None}, {"id": "c", "text": "doei"}]
        )
    )
    records = list(read_messages(path))
    assert [type(r).__name__ for r in records] == ["Message", "Rejected", "Rejected", "Message"]
    assert "JSON string, not an object" in records[1].reason
    assert records[2].field == "text" and records[2].record == 3


def test_records_without_id_are_numbered(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "een"}\n{"text": "twee", "id": 7}\n{"text": "drie", "bericht_id": "z"}\n')
    assert [m.id for m in read_messages(path)] == ["1", "7", "3"]
    assert [m.id for m in read_messages(path, id_field="bericht_id")] == ["1", "2", "z"]


# --- timestamps ----------------------------------------------------------------------------------

TIMESTAMP_CASES = [
    ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10T20:19:24Z"),
    (1539202764, "2018-10-10T20:19:24Z"),
    (1539202764123, "2018-10-10T20:19:24.123Z"),
    ("1539202764", "2018-10-10T20:19:24Z"),
    ("2018-10-10T22:19:24+02:00", "2018-10-10T20:19:24Z"),
    ("2018-10-10T20:19:24.000Z", "2018-10-10T20:19:24Z"),
    ("2018-10-10 20:19", "2018-10-10T20:19:00"),  # no offset: kept, no timezone guessed
    ("10-10-2018 20:19", "2018-10-10T20:19:00"),
    ("2018-10-10", "2018-10-10"),
    ("gisteren", "gisteren"),  # unknown: kept verbatim
    (None, None),
    ("", None),
]


@pytest.mark.parametrize(("value", "expected"), TIMESTAMP_CASES)
def test_timestamps(value, expected):
    assert to_iso(value) == expected


def test_make_examples_is_deterministic(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for _ in range(2):
        module.write_zip(EXAMPLES / "x-archive", tmp_path / f"x{_}.zip")
        module.write_parquet(EXAMPLES / "replies.jsonl", tmp_path / f"r{_}.parquet")
    assert (tmp_path / "x0.zip").read_bytes() == (tmp_path / "x1.zip").read_bytes()
    assert (tmp_path / "r0.parquet").read_bytes() == (tmp_path / "r1.parquet").read_bytes()
    assert (tmp_path / "x0.zip").read_bytes() == (EXAMPLES / "x-archive.zip").read_bytes()


def test_meta_escapes_written_out_as_text_are_decoded_by_the_facebook_reader(tmp_path):
    # A copy of a Facebook export that went through another tool: the `\u00XX` escapes are text now.
    path = tmp_path / "message_1.json"
    path.write_text(
        '{"participants": [{"name": "A"}], "messages": [{"sender_name": "A", "timestamp_ms": 1,'
        ' "content": "Ik ga naar het caf\\\\u00c3\\\\u00a9 \\\\u00f0\\\\u009f\\\\u0098\\\\u00a1"}]}',
        encoding="ascii",
    )
    [message] = read_messages(path)
    assert isinstance(message, Message) and message.text == "Ik ga naar het café 😡"
