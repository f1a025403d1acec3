"""The shortcut checks of `data check` find the shortcuts they are meant to find."""

from __future__ import annotations

import random

from threatdetect.corpus.shortcuts import (
    contrast_counts,
    flag_rate_by_gender,
    form_leak_auc,
    identity_balance,
    label_exclusive_ngrams,
    leaning_words,
    short_share,
)
from threatdetect.identity import mentioned_groups


def _row(text: str, hate=0, intimidation=0, death=0, gender=None, phenomena=()):
    return {
        "text": text,
        "hate": hate,
        "intimidation": intimidation,
        "death_threat": death,
        "target_gender": gender,
        "phenomena": list(phenomena),
    }


def test_form_leak_is_found_when_form_gives_the_label_away():
    rng = random.Random(0)
    words = ["wethouder", "raad", "plan", "vandaag", "straat", "morgen", "weg", "huis"]
    rows = []
    for i in range(400):
        flagged = i % 2
        text = " ".join(rng.choices(words, k=rng.randint(3, 12)))
        # Leaky corpus: flagged rows shout, harmless rows end with a full stop.
        text = text.upper() + "!!!" if flagged else text.capitalize() + "."
        rows.append(_row(text, intimidation=flagged))
    assert form_leak_auc(rows)["intimidation"] > 0.95
    fair = [_row(r["text"].lower().rstrip("!."), intimidation=r["intimidation"]) for r in rows]
    assert form_leak_auc(fair)["intimidation"] < 0.65


def test_identity_balance_counts_mentions_per_group():
    rows = [
        _row("vuile moslims", hate=1),
        _row("Zij is moslim en wethouder"),
        _row("ik heb niks tegen moslims, echt niet", phenomena=["negation"]),
        _row("Vrouwen zijn geweldig"),
    ]
    balance = identity_balance(rows)
    assert (balance["muslims"].hate, balance["muslims"].unflagged, balance["muslims"].negated) == (1, 2, 1)
    assert balance["women"].unflagged == 1 and balance["women"].ratio == float("inf")
    assert mentioned_groups("kutmarokkanen") == {"moroccans"}
    assert not mentioned_groups("homogeen transport")
    # Plural and adjective forms: "vrouwen?" would have needed "vrouwe", "surinam" missed "surinaams".
    assert "black" in mentioned_groups("een zwarte vrouw in de raad")
    assert mentioned_groups("Surinaamse roti bij de buren") == {"black"}
    assert mentioned_groups("de kleurling die het zei") == {"black"}


def test_gender_gap_and_short_share():
    rows = [
        _row("ik maak je af", intimidation=1, death=1, gender="female"),
        _row("mevrouw de wethouder, wanneer komt de stoep terug in onze straat", gender="female"),
        _row("hoi", gender="male"),
    ]
    assert flag_rate_by_gender(rows) == {"female": 0.5, "male": 0.0}
    shares = short_share(rows)
    assert shares["death_threat"] == 1.0 and shares["none"] == 0.5


def test_label_exclusive_trigrams_spare_the_harm_itself():
    rows = [_row(f"ik hoop dat je snel {i} valt", intimidation=1) for i in range(25)]
    rows += [_row(f"ik maak je af, nummer {i}", intimidation=1, death=1) for i in range(25)]
    rows += [_row(f"wat een mooie dag {i}") for i in range(25)]
    found = {f.ngram: f.side for f in label_exclusive_ngrams(rows)}
    assert found["ik hoop dat"] == "flagged" and found["wat een mooie"] == "unflagged"
    assert "ik maak je" not in found, "the harm itself may be exclusive"


def test_leaning_words_find_a_lean_on_one_word():
    # "dom" in 16 hate and 8 harmless messages (2/3 hate, base rate 1/6): a lean no 3-gram shows.
    rows = [_row("vrouwen zijn dom", hate=1)] * 16
    rows += [_row("je bent dom")] * 8
    rows += [_row("mooi weer vandaag")] * 72
    leans = {lean.word: lean for lean in leaning_words(rows, "hate")}
    # "vrouwen" leans as much as "zijn", but a group word's lean is the identity-balance check's.
    assert set(leans) == {"zijn", "dom"}
    assert leans["dom"].share == round(16 / 24, 3) and leans["dom"].base_rate == round(16 / 96, 3)
    assert [lean.word for lean in leaning_words(rows, "hate")] == ["zijn", "dom"], "most excess first"
    # Balanced by harmless uses, the lean is gone.
    rows += [_row("wat ben jij dom zeg")] * 16
    assert "dom" not in {lean.word for lean in leaning_words(rows, "hate")}


def test_leaning_words_need_a_lift_over_the_base_rate():
    # Hate is 35 of 80 messages here: a word must be in 87.5% hate messages (2x its base rate) to lean;
    # "typisch" is in 75%.
    rows = [_row("typisch tuig", hate=1)] * 15 + [_row("typisch weer")] * 5
    rows += [_row("ga weg", hate=1)] * 20 + [_row("mooi zo")] * 40
    assert {lean.word for lean in leaning_words(rows, "hate")} == {"tuig", "ga", "weg"}
    assert "typisch" in {lean.word for lean in leaning_words(rows, "hate", min_lift=1.0)}


def test_leaning_words_spare_a_harm_term_but_not_its_neighbours():
    rows = [_row("ik ga je doodschieten, verrader", intimidation=1, death=1)] * 20
    rows += [_row("gezellig")] * 60
    words = {lean.word for lean in leaning_words(rows, "death_threat")}
    assert words == {"ik", "ga", "je", "verrader"}, "only a one-word harm term is the harm itself"


def test_contrast_counts():
    rows = [
        _row("doe maar aangifte, ik weet waar je woont", intimidation=1),
        _row("ik haat moslims", hate=1),
        _row("ik heb niks tegen turken maar ze moeten weg", hate=1),
        _row("'vuile turk' roepen is walgelijk", phenomena=["counter_speech"]),
    ]
    counts = contrast_counts(rows)
    assert counts["flagged_with_police_cue"] == 1
    assert counts["hate_ik_haat_group"] == 1 and counts["hate_nothing_against_but"] == 1
    assert counts["counter_speech_quoting"] == 1 and counts["counter_speech_without_police_cue"] == 1
