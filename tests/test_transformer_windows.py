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
        self.batches: list[tuple] = []  # (input_ids, attention_mask) of every forward pass

    def eval(self):
        return self

    def __call__(self, input_ids, attention_mask):
        self.batches.append((input_ids, attention_mask))

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


def test_batches_are_padded_to_multiples_of_8_without_warnings(windowed):
    import warnings

    model, tokenizer = windowed
    texts = ["kort", "een kogel", "de raad vergadert " * 3, "de raad " * 40]
    model.batch_size = 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. the tokenizer's "pad is slower than __call__" notice
        model.predict_proba(texts)
    batches = model.model.batches
    assert len(batches) >= 2
    lengths = sorted(
        len(ids)
        for ids in tokenizer(
            model.prepare(texts), truncation=True, max_length=32, stride=8, return_overflowing_tokens=True
        )["input_ids"]
    )
    real = sorted(int(n) for _, mask in batches for n in mask.sum(dim=1))
    assert real == lengths, "the attention mask covers exactly the real tokens of each window"
    for input_ids, mask in batches:
        assert input_ids.shape == mask.shape and input_ids.shape[1] % 8 == 0
        assert (input_ids[mask == 0] == tokenizer.pad_token_id).all()


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx2 avx512f avx512_bf16", True),
        ("fpu sse2 avx2 amx_bf16 amx_tile", True),
        ("fpu sse2 avx2 avx512f", False),
        (None, False),  # no /proc/cpuinfo (macOS, Windows): fp32, always correct
    ],
)
def test_bf16_is_chosen_only_where_the_cpu_computes_it(tmp_path, flags, expected):
    from threatdetect.modeling.transformer import cpu_computes_bf16

    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n")
    assert cpu_computes_bf16(cpuinfo, environ={}) is expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, False),  # bf16 would be emulated, several times slower
        ({"DNNL_MAX_CPU_ISA": "avx512_core_vnni"}, False),
        ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16"}, True),
        ({"ONEDNN_MAX_CPU_ISA": "ALL"}, True),
        ({}, True),
    ],
)
def test_bf16_is_not_chosen_under_an_isa_cap_without_it(tmp_path, environ, expected):
    from threatdetect.modeling.transformer import cpu_computes_bf16

    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n")
    assert cpu_computes_bf16(cpuinfo, environ=environ) is expected


@pytest.fixture
def prefixed(tiny_roberta):
    """Like `windowed`, with e5's text prefix, which every window must start with."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_roberta)
    marker = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(" kogel"))[0]
    backbone = {"max_length": 32, "window_stride": 8, "text_prefix": "query: ", "batch_size": 16}
    config = ModelConfig(name="windows", kind="transformer", backbone=backbone)
    return TransformerModel(config, _SpotsAToken(marker), tokenizer), tokenizer


def test_a_text_that_fits_is_the_input_the_model_was_trained_on(prefixed):
    model, tokenizer = prefixed
    texts = ["een kogel voor jou", "de raad vergadert dinsdag over de begroting"]
    windows, owners = model._windows(model.prepare(texts))
    assert windows == tokenizer(model.prepare(texts), truncation=True, max_length=32)["input_ids"]
    assert owners == [0, 1]


def test_every_window_of_a_long_text_starts_with_the_prefix(prefixed):
    model, tokenizer = prefixed
    long_text = "de gemeenteraad vergadert dinsdag over de begroting " * 30 + "kogel"
    windows, _ = model._windows(model.prepare([long_text]))
    first = tokenizer(model.prepare([long_text]), truncation=True, max_length=32)["input_ids"][0]
    head = first[: 1 + len(tokenizer("query:", add_special_tokens=False)["input_ids"])]  # <s> query:
    assert len(windows) > 10 and windows[0] == first
    assert all(window[: len(head)] == head and len(window) <= 32 for window in windows)
    assert model.predict_proba([long_text])[0].min() > 0.5, "the trigger in the last window counts"


def test_windows_of_a_long_text_are_scored_in_full_batches(prefixed):
    model, _ = prefixed
    long_text = "de gemeenteraad vergadert dinsdag over de begroting " * 200
    windows, _ = model._windows(model.prepare([long_text]))
    model.predict_proba([long_text, "kort"])
    sizes = [len(input_ids) for input_ids, _ in model.model.batches]
    assert sum(sizes) == len(windows) + 1 and len(sizes) == -(-(len(windows) + 1) // model.batch_size)
