"""Property tests for the normaliser: total on str, spans inside the raw text, idempotent."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from threatdetect.normalize import Normalizer, NormalizerSettings

NORMALIZER = Normalizer()
NO_REPAIR = Normalizer(NormalizerSettings(repair_encoding=False))

# Arbitrary unicode, plus text built from the pieces the normaliser reacts to, so the interesting
# branches (obfuscation, placeholders, emoji, repairs) are hit far more often than by chance.
FRAGMENTS = [
    "d o o d", "k*nker", "h**r", "h44t", "m@@k", "v3rm00rd", "k.a.n.k.e.r", "k-a-n-k-e-r", "#ikmaakjeaf",
    "@wethouder", "https://x.nl/a.", "a@b.nl", "06-12345678", "12:30", "€4,50", "1234 AB", "🔪", "☠️",
    "👨\u200d👩\u200d👧", "🇳🇱", "doooood", "hahaha", "!!!!!", "...", "gwn", "kheb", "z.s.m.", "cafÃ©",
    "\\u00c3\\u00a9", "\u200b", "\u00ad", "ｄｏｏｄ", "dооd", "\ud800", "\x00", " ", "  ", "\n", "'s", "zo'n",
    "*", "@", "#", "$", "1", "0", ".", "-", "mes", "🔪 mes", "U+FE0F\ufe0f", "\u0301", "ﬁ", "ǅ", "ß",
]  # fmt: skip
messy_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=25).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join),
)
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("normalizer", [NORMALIZER, NO_REPAIR], ids=["all-steps", "no-repair"])
@PROPERTY_SETTINGS
@given(text=messy_text)
@example(text="\ud800\udc00")
@example(text="a\u0301 \u0301")
def test_never_raises_and_spans_are_inside_and_ordered(normalizer: Normalizer, text: str) -> None:
    doc = normalizer(text)
    assert doc.raw == text
    previous_start = 0
    for token in doc.tokens:
        assert 0 <= token.start <= token.end <= len(text)
        assert token.start >= previous_start
        assert token.text and not token.text.isspace()
        assert token.lower == token.text.lower()
        previous_start = token.start
    assert doc.lower == doc.text.lower()


@pytest.mark.parametrize("normalizer", [NORMALIZER, NO_REPAIR], ids=["all-steps", "no-repair"])
@PROPERTY_SETTINGS
@given(text=messy_text)
def test_normalising_twice_gives_the_same_text(normalizer: Normalizer, text: str) -> None:
    once = normalizer(text).text
    assert normalizer(once).text == once
