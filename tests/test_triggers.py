"""The trigger lexicon: one validating loader, and matches on normalised text."""

from __future__ import annotations

import pytest

from threatdetect.labels import LABELS
from threatdetect.triggers import TriggerLexicon, load_trigger_lexicon, parse_trigger_lexicon


def test_trigger_lexicon_has_80_weighted_terms_per_label() -> None:
    lexicon = load_trigger_lexicon()
    assert set(lexicon) == set(LABELS)
    for label, entries in lexicon.items():
        assert len(entries) >= 80, label
        assert all(0 <= weight <= 1 for _, weight in entries)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["hoer"], "expected a JSON object"),
        ({"spam": []}, "unknown label 'spam'"),
        ({"hate": {"hoer": 0.9}}, "hate needs a list of terms"),
        ({"hate": [{"term": "hoer"}]}, r"hate\[0\] needs a term and a weight"),
        ({"hate": [{"term": "hoer", "weight": 1.5}]}, r"hate\[0\] needs a term and a weight"),
        ({"hate": [{"term": "", "weight": 0.5}]}, r"hate\[0\] needs a term and a weight"),
        ({"hate": ["hoer"]}, r"hate\[0\] needs a term and a weight"),
    ],
)
def test_a_malformed_lexicon_is_refused_with_file_and_entry(data, message) -> None:
    with pytest.raises(ValueError, match=message) as error:
        parse_trigger_lexicon(data, "lexicon.json")
    assert str(error.value).startswith("lexicon.json: ")


def test_hits_and_features_use_the_weights() -> None:
    lexicon = TriggerLexicon(
        parse_trigger_lexicon({"_comment": "x", "hate": [{"term": "Hoer", "weight": 0.8}]})
    )
    [hit] = lexicon.hits("vuile hoer!")
    assert (hit.label, hit.term, hit.weight, hit.start, hit.end) == ("hate", "hoer", 0.8, 6, 10)
    assert lexicon.hits("hoertje") == [], "terms match whole words only"
    features = lexicon.features(["hoer hoer", "fijne dag"])
    hate = LABELS.index("hate")
    assert features[0, 2 * hate] == pytest.approx(1.6) and features[0, 2 * hate + 1] == pytest.approx(0.8)
    assert not features[1].any()
