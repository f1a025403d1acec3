"""The corpus on main: schema, counts, leakage, reproducible build, and the functional suite."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from threatdetect.corpus import shortcuts
from threatdetect.corpus.build import build_corpus, held_out_texts, leaking_variants
from threatdetect.corpus.check import MINIMUMS, check_corpus
from threatdetect.corpus.datasheet import composition_tables
from threatdetect.corpus.similarity import LEAKAGE_THRESHOLD, cluster, similar_pairs
from threatdetect.corpus.sources import SourceError, known_tags, parse_line
from threatdetect.evaluation.functional import load_functional_suite

CORPUS = Path("data/corpus")
PHENOMENA = Path("data/phenomena.json")


@pytest.fixture(scope="module")
def check():
    return check_corpus(CORPUS, PHENOMENA)


@pytest.fixture(scope="module")
def corpus_tables():
    return composition_tables(CORPUS)


def test_data_check_passes(check):
    assert not check.problems, check.problems[:10]


def test_form_does_not_leak_the_label(check):
    auc = check.stats["shortcuts"]["form_leak_auc"]
    assert set(auc) == {"hate", "intimidation", "death_threat", "flagged"}
    assert all(0.5 <= value <= 0.65 for value in auc.values()), auc
    assert not [p for p in check.problems if p.startswith("form leak:")]


def test_datasheet_tables_are_those_of_the_committed_corpus(corpus_tables):
    text = Path("data/DATASHEET.md").read_text(encoding="utf-8")
    assert corpus_tables in text, "run `threatdetect data check --write-datasheet`"


def test_datasheet_prose_counts_per_file_match_the_files(corpus_tables):
    """Each "`file.tsv` (N)" in the datasheet's prose (or "`name_{a,b}.tsv` (N)" for a set) is the file's count."""
    text = Path("data/DATASHEET.md").read_text(encoding="utf-8")
    prose = text.split("<!-- tables:start")[0] + text.split("<!-- tables:end -->")[1]
    table = corpus_tables.split("Messages per written file")[1]
    totals = {
        name: int(total) for name, total in re.findall(r"^\| (\S+\.tsv) \|.* \| (\d+) \|$", table, re.M)
    }
    mentions = re.findall(r"`([\w{},]+\.tsv)` \(([\d,]+)\)", prose)
    assert len(mentions) >= 20
    for pattern, count in mentions:
        if "{" in pattern:
            stem, rest = pattern.split("{")
            parts, suffix = rest.split("}")
            names = [f"{stem}{part}{suffix}" for part in parts.split(",")]
        else:
            names = [pattern]
        assert sum(totals[name] for name in names) == int(count.replace(",", "")), pattern


def test_datasheet_counts_messages_per_written_file(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "written").mkdir(parents=True)
    (tmp_path / "phenomena.json").write_text(PHENOMENA.read_text(encoding="utf-8"), encoding="utf-8")
    (corpus / "written" / "a.tsv").write_text(
        "# a comment line is not a message\n"
        "-\tnone\t-\tx_post\tsarcasm\thoi\n"
        "DI\tpolitician\tf\tx_reply\texplicit\tik maak je af\n"
        "IH\tgroup\t-\tx_reply\texplicit\tdie lui moeten we opwachten\n",
        encoding="utf-8",
    )
    (corpus / "written" / "b.tsv").write_text("H\tgroup\t-\tx_post\tslur\tweg met ze\n", encoding="utf-8")
    for split in ("train", "dev", "test"):
        (corpus / f"{split}.jsonl").write_text("", encoding="utf-8")
    table = composition_tables(corpus)
    assert "| a.tsv | 1 | 0 | 0 | 1 | 1 | 0 | 3 |" in table
    assert "| b.tsv | 0 | 1 | 0 | 0 | 0 | 0 | 1 |" in table
    assert "| all files | 1 | 1 | 0 | 1 | 1 | 0 | 4 |" in table


def test_leaning_words_are_reported(check):
    report = check.stats["shortcuts"]["leaning_words"]
    assert set(report) == {"hate", "intimidation", "death_threat"}
    for label, entry in report.items():
        strongest = entry["strongest"]
        assert len(strongest) == min(entry["count"], shortcuts.LEAN_REPORT_TOP), label
        assert all(
            lean["messages"] >= shortcuts.LEAN_MIN_COUNT
            and lean["share"] >= max(shortcuts.LEAN_MIN_SHARE, shortcuts.LEAN_MIN_LIFT * lean["base_rate"])
            for lean in strongest
        ), label
        assert [lean["excess"] for lean in strongest] == sorted(
            (lean["excess"] for lean in strongest), reverse=True
        )


def test_no_label_exclusive_formulas(check):
    assert check.stats["shortcuts"]["label_exclusive_trigrams"] == []
    assert not [p for p in check.problems if p.startswith("formula:")]


def test_identity_balance_gender_gap_and_short_messages(check):
    shortcuts = check.stats["shortcuts"]
    for group, balance in shortcuts["identity_balance"].items():
        assert balance["unflagged"] >= 1.5 * balance["hate"], group
        assert balance["negated"] >= 15, group
    rates = shortcuts["flag_rate_by_target_gender"]
    assert abs(rates["female"] - rates["male"]) <= 0.10
    assert min(shortcuts["short_share"].values()) >= 0.12


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_minimum_counts(check, name):
    assert check.stats[name] >= MINIMUMS[name]


def test_no_near_duplicates_across_splits(check):
    # Character 5-gram Jaccard > 0.6 reads as the same message written twice (see similarity.py).
    assert check.stats["cross_split_near_duplicates"] == 0


def test_at_least_half_of_threats_aim_at_women(check):
    assert check.stats["threats_aimed_at_women_share"] >= 0.5


def test_committed_splits_are_what_build_produces(tmp_path):
    held_out = held_out_texts(Path("data/challenge"), Path("data/functional/suite.tsv"))
    build_corpus(Path("data/corpus/written"), tmp_path, PHENOMENA, previous=CORPUS, held_out=held_out)
    for split in ("train", "dev", "test"):
        assert (tmp_path / f"{split}.jsonl").read_bytes() == (CORPUS / f"{split}.jsonl").read_bytes(), (
            f"{split}.jsonl is stale: run `threatdetect data build`"
        )


def _source_lines(path: Path, start: int, count: int) -> list[str]:
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    return lines[start : start + count]


def _splits_by_text(corpus: Path) -> dict[str, str]:
    return {
        row["text"]: split
        for split in ("train", "dev", "test")
        for row in map(json.loads, (corpus / f"{split}.jsonl").open(encoding="utf-8"))
        if row["origin"] == "written"
    }


def test_adding_sources_never_moves_existing_messages_between_splits(tmp_path):
    written = Path("data/corpus/written")
    sources, out = tmp_path / "written", tmp_path / "corpus"
    sources.mkdir()
    (sources / "a.tsv").write_text(
        "\n".join(
            _source_lines(written / "negatives.tsv", 0, 120) + _source_lines(written / "hate.tsv", 0, 80)
        )
        + "\n",
        encoding="utf-8",
    )
    first = build_corpus(sources, out, PHENOMENA)
    assert first.groups_kept == 0 and first.groups_new == 0  # no earlier build: fresh stratified splits
    before = _splits_by_text(out)
    assert set(before.values()) == {"train", "dev", "test"}

    (sources / "b.tsv").write_text(
        "\n".join(
            _source_lines(written / "intimidation.tsv", 0, 30)
            + _source_lines(written / "negatives.tsv", 120, 30)
        )
        + "\n",
        encoding="utf-8",
    )
    second = build_corpus(sources, out, PHENOMENA, previous=out)
    after = _splits_by_text(out)
    assert {text: after[text] for text in before} == before
    assert second.groups_kept == first.groups and second.groups_new > 0
    assert len(after) == len(before) + 60

    # --resplit (no earlier build) assigns everything afresh, and the same way each time.
    third = build_corpus(sources, tmp_path / "fresh", PHENOMENA)
    assert third.groups_kept == 0
    assert build_corpus(sources, tmp_path / "again", PHENOMENA).rows_per_split == third.rows_per_split


def test_augmented_rows_share_their_source_group():
    rows = [json.loads(line) for line in (CORPUS / "train.jsonl").open(encoding="utf-8")]
    written_groups = {r["group"] for r in rows if r["origin"] == "written"}
    augmented = [r for r in rows if r["origin"] != "written"]
    assert augmented and all(r["group"] in written_groups for r in augmented)
    assert {r["origin"].split(":")[1] for r in augmented} <= {"obfuscation", "typos", "emoji", "casing"}


def test_augmented_copies_that_would_leak_are_left_out():
    def row(text):
        return {"text": text}

    rows = {
        "train": [row("Wat een mooie dag voor een wandeling langs de dijk")],
        "dev": [row("De wethouder komt morgen langs bij de voetbalclub om de plannen uit te leggen")],
        "test": [],
    }
    variants = [
        "Wat een mooie dag voor een wandeling langs de dijk",  # repeats a corpus text exactly
        "De wethouder komt morgen langs bij de voetbalclub om de plannen uit te leggen!!",  # near dev
        "ik m.a.a.k je af, wethouder",  # paraphrases a held-out case
        "Het zwembad gaat na de zomer weer open, fijn voor de kinderen",  # clean
        "Het zwembad gaat na de zomer weer open, fijn voor de kinderen",  # made twice
    ]
    assert leaking_variants(variants, rows, ["ik maak je af, wethouder"]) == {0, 1, 2, 4}
    assert leaking_variants(variants[3:4], rows, []) == set()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("DI\tpolitician\tf\tx_reply\texplicit", "expected 6 tab-separated fields"),
        ("D\tpolitician\tf\tx_reply\texplicit\tik schiet je neer", "D must come with I"),
        ("X\tpolitician\tf\tx_reply\texplicit\tik schiet je neer", "field 'labels'"),
        ("DI\tmayor\tf\tx_reply\texplicit\tik schiet je neer", "field 'target'"),
        ("DI\tpolitician\tq\tx_reply\texplicit\tik schiet je neer", "field 'target_gender'"),
        ("DI\tpolitician\tf\ttiktok\texplicit\tik schiet je neer", "field 'style'"),
        ("DI\tpolitician\tf\tx_reply\tscary\tik schiet je neer", "unknown tag 'scary'"),
        ("-\tnone\t-\tx_post\tneutral\t" + "woord " * 81, "81 words, expected 1 to 80"),
    ],
)
def test_source_lines_are_validated_with_file_line_and_field(line, message):
    with pytest.raises(SourceError) as error:
        parse_line(line, "written/x.tsv", 7, known_tags(PHENOMENA))
    assert "written/x.tsv: line 7" in str(error.value)
    assert message in str(error.value)


def test_one_word_and_emoji_only_replies_are_accepted():
    for text in ("hoi", "👍", "Eens!"):
        assert (
            parse_line(f"-\tnone\t-\tx_reply\tshort_reply\t{text}", "x.tsv", 1, known_tags(PHENOMENA)).text
            == text
        )


def test_emoji_only_threats_are_accepted():
    message = parse_line("DI\tpolitician\tf\tx_reply\temoji_threat\t🔫⚰️", "x.tsv", 1, known_tags(PHENOMENA))
    assert message.labels["death_threat"] == 1 and message.labels["intimidation"] == 1


def test_similarity_pairs_and_clusters():
    texts = ["ik schiet je neer als ik je zie", "ik schiet je neer als ik je zie hoor", "fijne dag allemaal"]
    pairs = list(similar_pairs(texts, threshold=LEAKAGE_THRESHOLD))
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert cluster(texts, threshold=0.5) == [0, 0, 2]


def test_functional_suite_has_40_capabilities_with_10_cases():
    suite = load_functional_suite("data/functional/suite.tsv")
    counts = Counter(suite.capabilities)
    assert len(counts) >= 40
    assert min(counts.values()) >= 10
    described = json.loads(Path("data/functional/capabilities.json").read_text(encoding="utf-8"))
    assert set(counts) <= set(described)


def test_functional_suite_is_kept_apart_from_the_corpus():
    suite = load_functional_suite("data/functional/suite.tsv").texts
    corpus = [
        json.loads(line)["text"]
        for split in ("train", "dev", "test")
        for line in (CORPUS / f"{split}.jsonl").open(encoding="utf-8")
    ]
    leaks = list(similar_pairs(suite, corpus, threshold=LEAKAGE_THRESHOLD))
    assert not leaks, [(suite[i], corpus[j]) for i, j, _ in leaks[:3]]
