"""Readers: every format on the example dumps, format detection, streaming, and bad input.

Bad input comes in two kinds, each table-driven: fatal problems raise InputError when
`read_messages` is called (before the first record is asked for), and bad records come out as
`Rejected` with the right line and field while the good records around them still come through.
"""

from __future__ import annotations

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
    ("bad_records.jsonl", "jsonl", 18, 4, "b1", "fietsfan_dkv", "2024-03-12T18:02:11Z", None, None),
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
    assert [m.id for m in messages] == ["b1", "b3", "b18", "b20"]
    assert messages[2].text.endswith("🔫")  # the CRLF line
    # lines 5 and 17 are blank: not records, but lines still count
    assert [r.line for r in rejected] == [2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 19]


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
    ("undecodable bytes", b'{"text": "caf\xe9"}', "not valid UTF-8", None),
    ("NUL byte in the line", b'{"text": "a\x00b"}', "NUL byte", None),
    ("missing text field", b'{"id": "x", "body": "hoi"}', "no field 'text'", "text"),
    ("null text", b'{"text": null}', "null", "text"),
    ("empty text", b'{"text": ""}', "empty", "text"),
    ("whitespace text", b'{"text": " \\n\\t "}', "whitespace", "text"),
    ("number text", b'{"text": 3}', "a number, not a string", "text"),
    ("object text", b'{"text": {"nl": "hoi"}}', "an object, not a string", "text"),
    ("escaped NUL in text", b'{"text": "a\\u0000b"}', "NUL character", "text"),
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
    ("NUL in the text", "x1,a\x00b\n", "NUL", "text", 0),
    ("too long text", f"x1,{LONG}\n", "too long", "text", 0),
    ("undecodable bytes past the sample", "x1,caf\udce9\n", "not valid utf-8", None, 900),
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
