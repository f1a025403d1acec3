"""Texts longer than the model's window are scored in overlapping windows, keeping the maximum."""

from __future__ import annotations

import numpy as np
import pytest

from threatdetect.labels import LABELS
from threatdetect.modeling.model_dir import ModelConfig
from threatdetect.modeling.transformer import TransformerModel


class _SpotsAToken:
    """A stand-in model: a label's logit is 5 when the window holds the marker token, else -5."""

    def __init__(self, marker_id: int) -> None:
        self.marker_id = marker_id

    def eval(self):
        return self

    def __call__(self, input_ids, attention_mask):

        hit = (input_ids == self.marker_id).any(dim=1, keepdim=True).float()
        return type("Output", (), {"logits": (hit * 10 - 5).repeat(1, len(LABELS))})()


@pytest.fixture
def windowed(tiny_roberta):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_roberta)
    marker = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(" kogel"))[0]
    config = ModelConfig(name="windows", kind="transformer", backbone={"max_length": 32, "window_stride": 8})
    return TransformerModel(config, _SpotsAToken(marker), tokenizer), tokenizer


def test_a_trigger_at_the_end_of_a_long_text_is_seen(windowed):
    model, tokenizer = windowed
    long_text = "de gemeenteraad vergadert dinsdag over de begroting " * 30 + "kogel"
    assert len(tokenizer(long_text)["input_ids"]) > 4 * model.max_length
    short = "de gemeenteraad vergadert dinsdag"
    probabilities = model.predict_proba([short, long_text, "een kogel " + long_text])
    assert probabilities.shape == (3, len(LABELS))
    assert (probabilities[0] < 0.5).all()
    assert (probabilities[1] > 0.5).all(), "the last window must be scored"
    assert (probabilities[2] > 0.5).all(), "the first window must be scored"


def test_scores_keep_input_order_despite_length_sorting(windowed):
    model, _ = windowed
    texts = ["een kogel", "de raad " * 40, "kort", "een kogel " + "de raad " * 40]
    flags = model.predict_proba(texts)[:, 0] > 0.5
    np.testing.assert_array_equal(flags, [True, False, False, True])
