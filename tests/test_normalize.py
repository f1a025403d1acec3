"""Tests for threatdetect.normalize: a table of Dutch cases, per-step tests and raw-span tests."""

from __future__ import annotations

import dataclasses

import pytest

from threatdetect.normalize import NormalizedText, Normalizer, NormalizerSettings, Token
from threatdetect.normalize.lexicon import load_lexicon
from threatdetect.normalize.resources import load_abbreviations, load_emoji_words, load_homoglyphs

STEPS = NormalizerSettings.step_names()


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


def only(step: str) -> Normalizer:
    """A normaliser with every step off except `step`."""
    return Normalizer(NormalizerSettings(**{name: name == step for name in STEPS}))


def without(step: str) -> Normalizer:
    return Normalizer(NormalizerSettings(**{step: False}))


# (case id, raw message, expected normalised text) with all steps on.
CASES: list[tuple[str, str, str]] = [
    # 1. encoding repair, NFKC, invisible characters, homoglyphs
    ("mojibake", "cafÃ© in de stad", "café in de stad"),
    ("mojibake-quote", "ze zeiâ€™ dat", "ze zei ’ dat"),
    ("nfkc-fullwidth", "ｄｏｏｄ", "dood"),
    ("nfkc-math-bold", "𝐝𝐨𝐨𝐝", "dood"),
    ("nfkc-ligature", "ﬁets", "fiets"),
    ("zero-width-space", "d\u200bo\u200bo\u200bd", "dood"),
    ("soft-hyphen", "ver\u00admoord", "vermoord"),
    ("bidi-control", "\u202ekanker\u202c", "kanker"),
    ("control-chars", "hoer\x07\x00", "hoer"),
    ("nbsp", "ik\u00a0haat\u00a0je", "ik haat je"),
    ("cyrillic-o", "dооd", "dood"),
    ("cyrillic-a-e", "kаnkеr", "kanker"),
    ("greek-omicron", "mοord", "moord"),
    ("pure-russian-untouched", "привет мир", "привет мир"),
    ("pure-greek-untouched", "καλημέρα", "καλημέρα"),
    # 2. placeholders
    ("url-https", "kijk https://nos.nl/artikel/123 nu", "kijk URL nu"),
    ("url-www-trailing-dot", "zie www.gemeente.nl.", "zie URL ."),
    ("url-bare-domain", "meer op ajax.nl vandaag", "meer op URL vandaag"),
    ("mention", "@wethouder_bakker je bent een clown", "@USER je bent een clown"),
    ("mention-mid", "hoi @jan, hoe is het", "hoi @USER , hoe is het"),
    ("email", "mail info@gemeente.nl even", "mail EMAIL even"),
    ("phone-mobile-dash", "bel 06-12345678 nu", "bel TELEFOON nu"),
    ("phone-mobile-plain", "bel 0612345678", "bel TELEFOON"),
    ("phone-spaced", "bel 06 12 34 56 78", "bel TELEFOON"),
    ("phone-international", "bel +31 6 12345678", "bel TELEFOON"),
    ("phone-landline", "bel 020-1234567", "bel TELEFOON"),
    ("phone-belgian-mobile", "bel 0475/12.34.56", "bel TELEFOON"),
    ("phone-belgian-international", "bel +32 475 12 34 56", "bel TELEFOON"),
    ("hashtag-split", "#ikmaakjeaf", "ik maak je af"),
    ("hashtag-camel", "#WethouderMoetWeg", "Wethouder Moet Weg"),
    ("hashtag-unsplittable", "#xqzvbt", "#xqzvbt"),
    ("hashtag-word", "#moord", "moord"),
    # 3. elongations
    ("squeeze-dood", "doooooood", "dood"),
    ("squeeze-final-vowel", "jaaaaa", "ja"),
    ("squeeze-nee", "neeeee", "nee"),
    ("squeeze-been", "beeen", "been"),
    ("squeeze-boos", "boooos", "boos"),
    ("squeeze-consonant", "kankerrrrr", "kanker"),
    ("squeeze-laughter", "hahahaha", "haha"),
    ("squeeze-exclamation", "stop!!!!!", "stop !!"),
    ("squeeze-question", "echt?????", "echt ??"),
    ("squeeze-mixed-punct", "wat?!?!?!", "wat ?!"),
    ("ellipsis-kept", "nou.....", "nou ..."),
    ("squeeze-unknown-word-to-two", "blaaaaaf", "blaaf"),
    ("case-kept-squeeze", "DOOOOOD", "DOOD"),
    # 4. de-obfuscation
    ("spaced", "je gaat d o o d", "je gaat dood"),
    ("spaced-haat", "h a a t", "haat"),
    ("spaced-sentence", "i k h a a t j e", "ik haat je"),
    ("spaced-upper", "D O O D", "DOOD"),
    ("dotted", "k.a.n.k.e.r", "kanker"),
    ("dashed", "k-a-n-k-e-r", "kanker"),
    ("underscored", "h_o_e_r", "hoer"),
    ("masked-star", "k*nker", "kanker"),
    ("masked-two-stars-prefers-slur", "h**r", "hoer"),
    ("masked-at", "k@nker", "kanker"),
    ("masked-double-at", "ik m@@k je af", "ik maak je af"),
    ("leet-44", "h44t", "haat"),
    ("leet-vermoord", "v3rm00rd", "vermoord"),
    ("leet-dood", "d00d", "dood"),
    ("leet-dollar", "$hit", "shit"),
    ("leet-one-as-i", "k1ll", "kill"),
    ("leet-seven", "7yfus", "tyfus"),
    ("leet-plus-elongation", "d0000d", "dood"),
    ("leet-caps", "K4NK3R", "KANKER"),
    ("leet-short-pronoun", "k0m j3 h4l3n", "kom je halen"),
    ("leet-short-me", "laat m3 met rust", "laat me met rust"),
    # 5. emoji
    ("emoji-knife", "🔪", "🔪 mes"),
    ("emoji-gun-coffin", "🔫⚰️ @wethouder", "🔫 pistool ⚰️ doodskist @USER"),
    ("emoji-skull-vs16", "☠️", "☠️ doodshoofd"),
    ("emoji-skin-tone", "👊🏽", "👊🏽 vuist"),
    ("emoji-harmless-kept", "top gedaan 👍", "top gedaan 👍"),
    ("emoji-zwj-family-one-token", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
    ("emoji-word-not-doubled", "🔪 mes", "🔪 mes"),
    # 6. abbreviations
    ("abbr-ff", "ff wachten", "even wachten"),
    ("abbr-gwn", "gwn doen", "gewoon doen"),
    ("abbr-idd", "idd", "inderdaad"),
    ("abbr-mss-sws-wss", "mss sws wss", "misschien sowieso waarschijnlijk"),
    ("abbr-kheb", "kheb het gezien", "ik heb het gezien"),
    ("abbr-zn-nie", "zn auto is nie stuk", "zijn auto is niet stuk"),
    ("abbr-wrm-aub-tog", "wrm aub tog", "waarom alsjeblieft toch"),
    ("abbr-w8", "w8 maar", "wacht maar"),
    ("abbr-kzal-kga", "kzal het doen kga", "ik zal het doen ik ga"),
    ("abbr-egt", "egt", "echt"),
    ("abbr-capitalised", "Gwn stom", "Gewoon stom"),
    ("abbr-dotted", "z.s.m. a.u.b.", "zo snel mogelijk alsjeblieft"),
    # false-positive guards: must stay as they are
    ("guard-time", "om 12:30 in de raad", "om 12:30 in de raad"),
    ("guard-amount", "het kost €4,50", "het kost €4,50"),
    ("guard-amount-euro-after", "maar 4,50 euro", "maar 4,50 euro"),
    ("guard-postcode", "postcode 1234 AB klopt", "postcode 1234 AB klopt"),
    ("guard-date", "op 12-03-2024 vergadering", "op 12-03-2024 vergadering"),
    ("guard-year", "in 2024 en 2025", "in 2024 en 2025"),
    ("guard-version", "update v1.2.3 staat klaar", "update v1.2.3 staat klaar"),
    ("guard-id", "dossier A12B34 en 7HG5K", "dossier A12B34 en 7HG5K"),
    ("guard-mp3-covid19", "mp3 en covid19 en b2b", "mp3 en covid19 en b2b"),
    (
        "guard-short-ordinal-paper",
        "de 7e keer op A4 en 1k views op de 3e dag",
        "de 7e keer op A4 en 1k views op de 3e dag",
    ),
    ("guard-a4", "print het op A4", "print het op A4"),
    ("guard-ordinal", "de 2e kamer en 1e keer", "de 2e kamer en 1e keer"),
    ("guard-double-letters", "moord been zee twee meer", "moord been zee twee meer"),
    ("guard-english", "the meeting is at seven", "the meeting is at seven"),
    ("guard-initialism", "de a b c van de politiek", "de a b c van de politiek"),
    ("guard-dotted-abbrev", "d.w.z. niet", "d.w.z. niet"),
    ("guard-long-number", "10000 mensen", "10000 mensen"),
    ("guard-markdown-stars", "*dood* serieus", "* dood * serieus"),
    ("guard-masked-ambiguous", "h**s", "h**s"),
    ("guard-price-dash", "€ 25,- per jaar", "€ 25,- per jaar"),
]


@pytest.mark.parametrize(("raw", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_normalise_table(norm: Normalizer, raw: str, expected: str) -> None:
    doc = norm(raw)
    assert doc.text == expected
    assert doc.raw == raw
    assert doc.lower == expected.lower()


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 80
    assert len({case[0] for case in CASES}) == len(CASES)


# --- per-step tests: one step on, the others off -------------------------------------------------


@pytest.mark.parametrize(
    ("step", "raw", "expected"),
    [
        ("repair_encoding", "cafÃ© d\u200bood ｄｏｏｄ dооd", "café dood dood dood"),
        ("placeholders", "@jan kijk https://x.nl 06-12345678 a@b.nl", "@USER kijk URL TELEFOON EMAIL"),
        ("squeeze_elongations", "doooood!!!!!", "dood !!"),
        ("deobfuscate", "d o o d k*nker h44t", "dood kanker haat"),
        ("map_emoji", "🔪", "🔪 mes"),
        ("expand_abbreviations", "gwn ff", "gewoon even"),
        ("segment_hashtags", "#ikmaakjeaf", "ik maak je af"),
    ],
)
def test_each_step_alone(step: str, raw: str, expected: str) -> None:
    assert only(step)(raw).text == expected


@pytest.mark.parametrize(
    ("step", "raw", "unchanged_part"),
    [
        ("repair_encoding", "ｄｏｏｄ", "ｄｏｏｄ"),
        ("placeholders", "@jan", "@jan"),
        ("squeeze_elongations", "doooood", "doooood"),
        ("deobfuscate", "k*nker", "k*nker"),
        ("map_emoji", "🔪", "🔪"),
        ("expand_abbreviations", "gwn", "gwn"),
        ("segment_hashtags", "#ikmaakjeaf", "#ikmaakjeaf"),
    ],
)
def test_each_step_can_be_switched_off(step: str, raw: str, unchanged_part: str) -> None:
    assert without(step)(raw).text == unchanged_part


def test_all_steps_off_keeps_words() -> None:
    off = Normalizer(NormalizerSettings(**{name: False for name in STEPS}))
    assert off("Ik m@@k je").text == "Ik m@@k je"
    assert all(token.source == "plain" for token in off("gwn d o o d 🔪").tokens)


def test_lone_surrogates_removed_even_with_repair_off() -> None:
    off = Normalizer(NormalizerSettings(repair_encoding=False))
    assert off("a\ud800b").text == "ab"


# --- spans -----------------------------------------------------------------------------------------


def evidence(doc: NormalizedText) -> list[tuple[str, str, str]]:
    return [(token.text, doc.raw[token.start : token.end], token.source) for token in doc.tokens]


def test_spans_of_the_readme_example(norm: Normalizer) -> None:
    doc = norm("Ik m@@k je d o o d 🔪 @wethouder")
    assert evidence(doc) == [
        ("Ik", "Ik", "plain"),
        ("maak", "m@@k", "deobfuscated"),
        ("je", "je", "plain"),
        ("dood", "d o o d", "deobfuscated"),
        ("🔪", "🔪", "plain"),
        ("mes", "🔪", "emoji"),
        ("@USER", "@wethouder", "placeholder"),
    ]


def test_spans_after_repairs_point_into_raw(norm: Normalizer) -> None:
    raw = "x cafÃ© \u200bdооd ｈｏｅｒ!"
    doc = norm(raw)
    assert evidence(doc) == [
        ("x", "x", "plain"),
        ("café", "cafÃ©", "repaired"),
        ("dood", "dооd", "repaired"),
        ("hoer", "ｈｏｅｒ", "repaired"),
        ("!", "!", "plain"),
    ]


def test_spans_of_spaced_words_and_hashtag_words(norm: Normalizer) -> None:
    doc = norm("i k h a a t j e #ikmaakjeaf")
    assert [doc.raw[t.start : t.end] for t in doc.tokens] == [
        "i k",
        "h a a t",
        "j e",
        "ik",
        "maak",
        "je",
        "af",
    ]


def test_abbreviation_tokens_share_the_raw_span(norm: Normalizer) -> None:
    doc = norm("nou kheb")
    assert [(t.text, t.start, t.end) for t in doc.tokens] == [("nou", 0, 3), ("ik", 4, 8), ("heb", 4, 8)]


def test_url_span_excludes_trailing_punctuation(norm: Normalizer) -> None:
    doc = norm("zie www.gemeente.nl.")
    url = doc.tokens[1]
    assert (url.text, doc.raw[url.start : url.end]) == ("URL", "www.gemeente.nl")


def test_tokens_are_token_records(norm: Normalizer) -> None:
    token = norm("Gwn")[0] if False else norm("Gwn").tokens[0]
    assert isinstance(token, Token)
    assert (token.text, token.lower, token.source) == ("Gewoon", "gewoon", "abbreviation")


# --- API contract ----------------------------------------------------------------------------------


def test_pipe_matches_single_calls(norm: Normalizer) -> None:
    texts = [case[1] for case in CASES]
    assert [doc.text for doc in norm.pipe(texts, batch_size=7)] == [norm(text).text for text in texts]


def test_pipe_is_lazy(norm: Normalizer) -> None:
    def endless():
        while True:
            yield "gwn"

    stream = norm.pipe(endless(), batch_size=4)
    assert next(stream).text == "gewoon"


def test_pipe_rejects_bad_batch_size(norm: Normalizer) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        list(norm.pipe(["a"], batch_size=0))


def test_normalize_text_is_lower(norm: Normalizer) -> None:
    assert norm.normalize_text("GWN K*NKER") == "gewoon kanker"


def test_non_str_input_is_a_clear_type_error(norm: Normalizer) -> None:
    with pytest.raises(TypeError, match="str"):
        norm(b"bytes")  # type: ignore[arg-type]


def test_empty_and_whitespace(norm: Normalizer) -> None:
    assert norm("").tokens == ()
    assert norm(" \n\t ").text == ""


def test_very_long_input(norm: Normalizer) -> None:
    raw = ("d o o d k*nker 🔪 " * 5000) + "a" * 100_000
    doc = norm(raw)
    assert doc.tokens[0].text == "dood"
    assert doc.tokens[-1].end == len(raw)


def test_settings_round_trip_and_validation() -> None:
    settings = NormalizerSettings(deobfuscate=False)
    assert NormalizerSettings.from_dict(settings.to_dict()) == settings
    with pytest.raises(ValueError, match="deobfuscat"):
        NormalizerSettings.from_dict({"deobfuscat": True})
    with pytest.raises(TypeError, match="map_emoji"):
        NormalizerSettings(map_emoji="yes")  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.deobfuscate = True  # type: ignore[misc]


# --- resources -------------------------------------------------------------------------------------


def test_lexicon_size_and_vocabulary() -> None:
    lexicon = load_lexicon()
    assert len(lexicon.words) >= 3000
    for word in ["dood", "moord", "vermoorden", "kanker", "tyfus", "hoer", "kogel", "schieten", "mes",
                 "steken", "ophangen", "lantaarnpaal", "verkrachten", "haat"]:  # fmt: skip
        assert word in lexicon, word
    assert "hoer" in lexicon.offensive and "haar" not in lexicon.offensive


def test_abbreviations_have_60_entries_and_are_idempotent() -> None:
    table = load_abbreviations()
    assert len(table) >= 60
    for key, expansion in table.items():
        assert not any(word.lower() in table for word in expansion), key


def test_emoji_map_covers_threat_emoji() -> None:
    table = load_emoji_words()
    for emoji in ["🔪", "🗡", "🔫", "💣", "⚰", "🪦", "💀", "☠", "🔥", "🪢", "🎯", "🪓", "⚱", "🩸"]:
        assert table[emoji], emoji


def test_homoglyphs_are_single_characters() -> None:
    assert load_homoglyphs()["а"] == "a"


def test_module_docstrings_name_the_stage_the_pipeline_runs_them_in() -> None:
    """Each step module starts with `Stage N` (or `Stages N and M`) and the settings it implements;
    the pipeline's numbered list must name the module and those settings under the same numbers."""
    import importlib
    import re

    from threatdetect.normalize import pipeline

    listed = dict(re.findall(r"^(\d)\. (.+?)(?=^\d\. |\Z)", pipeline.__doc__ or "", re.M | re.S))
    assert sorted(listed) == ["1", "2", "3", "4", "5"]
    modules = ["encoding", "segmenter", "placeholders", "hashtags", "emoji_map", "deobfuscate"]
    modules += ["elongation", "abbreviations"]
    for name in modules:
        doc = importlib.import_module(f"threatdetect.normalize.{name}").__doc__ or ""
        claimed = re.match(r"Stages? (\d)(?: and (\d))?", doc)
        assert claimed, f"{name}: the docstring should start with the stage it runs in"
        settings = re.findall(r"\(`(\w+)`\)", doc.splitlines()[0])
        assert set(settings) <= set(STEPS), name
        for stage in filter(None, claimed.groups()):
            assert re.search(rf"`{name}[`.]", listed[stage]), (name, stage)
            for setting in settings:
                assert f"`{setting}`" in listed[stage], (name, stage, setting)


@pytest.mark.parametrize(
    ("raw", "second_pass"),
    [
        ("Tot zaterdag op de markt...", False),  # punctuation split off a word stays what it is
        ("waarom?! echt, schandalig!!!", False),
        ("Yes zie je om 8u bij het gemeentehuis", True),  # `8u` reads differently alone
        ("betaal €0D00D", True),  # a disguised word cut off a longer chunk
    ],
)
def test_second_pass_only_where_the_output_reads_differently(
    norm: Normalizer, monkeypatch: pytest.MonkeyPatch, raw: str, second_pass: bool
) -> None:
    from threatdetect.normalize import pipeline

    calls = []
    realign = pipeline._realign
    monkeypatch.setattr(pipeline, "_realign", lambda *args: calls.append(1) or realign(*args))
    once = norm(raw).text
    assert bool(calls) is second_pass
    assert norm(once).text == once
