"""The HTML evidence report: grouping, escaping, highlights, hashes, languages, and a real browser."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from threatdetect.io.records import InputError
from threatdetect.labels import DUTCH_NAMES
from threatdetect.report import render_report, render_report_file
from threatdetect.report.highlight import Segment, highlight_segments

CREATED = datetime(2024, 3, 14, 9, 30, tzinfo=UTC)
CHROMIUM = Path("/usr/bin/chromium")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _span(text: str, piece: str, label: str) -> dict:
    start = text.index(piece)
    return {
        "start": start,
        "end": start + len(piece),
        "text": piece,
        "label": label,
        "source": "lexicon",
        "weight": 1.0,
    }


def _record(rid: str, text: str, labels: list[str], spans=(), **extra) -> dict:
    scores = {"hate": 0.05, "intimidation": 0.05, "death_threat": 0.02}
    scores.update(dict.fromkeys(labels, 0.91))
    return {
        "id": rid,
        "text": text,
        "scores": scores,
        "labels": labels,
        "flagged": bool(labels),
        "source": "dump.jsonl",
        "record": int(rid[1:]),
        "sha256": _sha(text),
        "spans": list(spans),
        **extra,
    }


EMOJI_TEXT = "😡😡 ik maak je af, echt waar"
SCRIPT_TEXT = 'Vuile hoer <script>alert("x")</script> & <b>vet</b>'
RECORDS = [
    _record("m1", "Wat een incompetente wethouder.", []),
    _record(
        "m2",
        SCRIPT_TEXT,
        ["hate"],
        [_span(SCRIPT_TEXT, "hoer", "hate")],
        author="h4ter",
        timestamp="2024-03-12T18:02:11Z",
        url="https://example.org/p/2",
        platform="x",
    ),
    _record(
        "m3",
        EMOJI_TEXT,
        ["intimidation", "death_threat"],
        [_span(EMOJI_TEXT, "ik maak je af", "death_threat"), _span(EMOJI_TEXT, "maak je", "intimidation")],
        author="anoniem_8472",
        timestamp="2024-03-12T19:00:00Z",
        platform="facebook",
    ),
    _record(
        "m4",
        "Ik weet waar je woont 🏠",
        ["intimidation"],
        [_span("Ik weet waar je woont 🏠", "weet waar je woont", "intimidation")],
    ),
    _record("m5", "Moslims horen hier niet en ik breek je benen", ["hate", "intimidation"]),
]


@pytest.fixture
def source_file(tmp_path) -> Path:
    path = tmp_path / "dump.jsonl"
    path.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in RECORDS))
    return path


@pytest.fixture
def report_html(tmp_path, source_file) -> str:
    out = render_report(
        RECORDS,
        tmp_path / "out" / "report.html",
        sources=[source_file],
        model_name="tiny-test",
        model_version="9.9",
        created=CREATED,
    )
    return out.read_text(encoding="utf-8")


def _section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def _blockquotes(page: str) -> list[str]:
    return re.findall(r'<blockquote class="text"[^>]*>(.*?)</blockquote>', page, flags=re.S)


def test_groups_in_severity_order_each_message_once(report_html):
    positions = [
        report_html.index(f'<section id="{label}"') for label in ("death_threat", "intimidation", "hate")
    ]
    assert positions == sorted(positions)
    assert report_html.count('<article class="message"') == 4  # m1 is not flagged
    assert "m3" in _section(report_html, "death_threat") and "m3" not in _section(report_html, "intimidation")
    assert "m5" in _section(report_html, "intimidation") and "m5" not in _section(report_html, "hate")
    assert "m2" in _section(report_html, "hate")
    assert "incompetente" not in report_html
    summary = _section(report_html, "summary")
    counts = re.findall(
        r'<tr class="severity-(\w+)">.*?<td class="num">(\d+)</td><td class="num">(\d+)</td>', summary
    )
    assert counts == [("death_threat", "1", "1"), ("intimidation", "2", "3"), ("hate", "1", "2")]


def test_message_text_is_escaped_and_inert(report_html):
    assert "<script>" not in report_html and "<b>vet</b>" not in report_html
    (quote,) = [q for q in _blockquotes(report_html) if "Vuile" in q]
    assert "&lt;script&gt;alert(" in quote and "&amp; &lt;b&gt;vet&lt;/b&gt;" in quote
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", quote)) == SCRIPT_TEXT


def test_highlights_at_the_right_characters(report_html):
    (quote,) = [q for q in _blockquotes(report_html) if "maak" in q]
    marked = "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", quote))
    assert marked == "ik maak je af"
    assert quote.startswith("😡😡 <mark")
    assert 'title="doodsbedreiging, bedreiging en intimidatie">maak je</mark>' in quote
    assert html_lib.unescape(re.sub(r"<[^>]+>", "", quote)) == EMOJI_TEXT


HIGHLIGHT_CASES = [
    ("no spans", "hallo", [], [Segment("hallo")]),
    (
        "emoji before",
        "😡 mes",
        [(2, 5, "mes", "death_threat")],
        [Segment("😡 "), Segment("mes", ("death_threat",))],
    ),
    (
        "overlap",
        "abcdef",
        [(0, 4, "abcd", "hate"), (2, 6, "cdef", "death_threat")],
        [Segment("ab", ("hate",)), Segment("cd", ("death_threat", "hate")), Segment("ef", ("death_threat",))],
    ),
    (
        "same label adjacent merges",
        "abcd",
        [(0, 2, "ab", "hate"), (2, 4, "cd", "hate")],
        [Segment("abcd", ("hate",))],
    ),
    (
        "wrong offset moved to the text",
        "ik zeg: mes",
        [(0, 3, "mes", "death_threat")],
        [Segment("ik zeg: "), Segment("mes", ("death_threat",))],
    ),
    ("span text absent is dropped", "hallo", [(0, 3, "mes", "hate")], [Segment("hallo")]),
    ("out of range without text is dropped", "hallo", [(3, 99, None, "hate")], [Segment("hallo")]),
]


@pytest.mark.parametrize(
    ("name", "text", "spans", "expected"), HIGHLIGHT_CASES, ids=[c[0] for c in HIGHLIGHT_CASES]
)
def test_highlight_segments(name, text, spans, expected):
    dicts = [
        {"start": s, "end": e, "label": lab, **({"text": t} if t is not None else {})}
        for s, e, t, lab in spans
    ]
    segments = highlight_segments(text, dicts)
    assert segments == expected
    assert "".join(segment.text for segment in segments) == text


def test_hashes_and_header(report_html, source_file):
    header = report_html[: report_html.index('<section id="summary"')]
    assert hashlib.sha256(source_file.read_bytes()).hexdigest() in header
    assert str(source_file) in header and "tiny-test" in header and "9.9" in header
    assert "14-03-2024 09:30:00 UTC" in header
    for record in RECORDS[1:]:
        assert _sha(record["text"]) in report_html
    assert "12-03-2024 18:02:11 UTC" in report_html
    assert "https://example.org/p/2" in report_html


def test_message_hash_computed_when_missing(tmp_path):
    record = _record("m9", "ik steek je huis in de fik", ["intimidation"])
    del record["sha256"]
    page = render_report([record], tmp_path / "r.html", created=CREATED).read_text(encoding="utf-8")
    assert _sha("ik steek je huis in de fik") in page


def test_dutch_by_default_english_on_request(tmp_path, report_html):
    for name in DUTCH_NAMES.values():
        assert name in report_html.lower()
    for words in ("Melden en aangifte doen", "0900-8844", "112", "Team Bedreigde Politici", "Afzender"):
        assert words in report_html
    assert '<html lang="nl">' in report_html
    english = render_report(RECORDS, tmp_path / "en.html", lang="en", created=CREATED).read_text(
        encoding="utf-8"
    )
    assert '<html lang="en">' in english
    for words in ("Evidence report", "death threat", "Sender", "0900-8844", "Team Bedreigde Politici"):
        assert words in english
    assert "Afzender" not in english
    with pytest.raises(ValueError, match="nl, en"):
        render_report(RECORDS, tmp_path / "x.html", lang="fr")


def test_self_contained_and_printable(report_html):
    assert "@media print" in report_html
    assert not re.search(r"<(script|link|img|iframe)\b", report_html)
    assert not re.search(r"\bsrc=|url\(|@import", report_html)


def test_no_flagged_messages(tmp_path):
    page = render_report([RECORDS[0]], tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Er zijn geen berichten gemarkeerd." in page
    assert '<article class="message"' not in page


def test_render_report_file(tmp_path, source_file):
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    out = render_report_file(scored, tmp_path / "r.html", lang="en", model_name="m")
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="message"') == 4
    # Without --source, the record's source file is listed (here relative and absent: "not found").
    assert "dump.jsonl" in page and "not found" in page


def test_render_report_file_rejects_csv(tmp_path):
    scored = tmp_path / "scored.csv"
    scored.write_text("id,text\n1,hoi\n")
    with pytest.raises(InputError) as caught:
        render_report_file(scored, tmp_path / "r.html")
    assert caught.value.line == 1 and "JSONL" in caught.value.reason
    assert not (tmp_path / "r.html").exists()


def test_report_command(tmp_path, source_file):
    pytest.importorskip("threatdetect.cli")
    from typer.testing import CliRunner

    from threatdetect.cli.app import app

    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "report.html"
    args = ["report", str(scored), "-o", str(out), "--lang", "en", "--source", str(source_file)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert hashlib.sha256(source_file.read_bytes()).hexdigest() in out.read_text(encoding="utf-8")
    assert CliRunner().invoke(app, args).exit_code == 2  # exists: needs --force
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0
    missing = CliRunner().invoke(
        app, ["report", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "n.html")]
    )
    assert missing.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (CI installs Debian's chromium)")
def test_renders_in_headless_chromium(tmp_path, report_html):
    page = tmp_path / "report.html"
    page.write_text(report_html, encoding="utf-8")
    base = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    dom = subprocess.run(
        [*base, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    for section in ("summary", "sources", "death_threat", "intimidation", "hate", "reporting"):
        assert f'id="{section}"' in dom
    assert dom.count("<mark") == report_html.count("<mark") >= 4
    assert "<script>" not in dom and "&lt;script&gt;" in dom
    pdf = tmp_path / "r.pdf"
    subprocess.run(
        [*base, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert pdf.exists() and pdf.stat().st_size > 1000
    assert pdf.read_bytes().startswith(b"%PDF")
