"""Vocabulary pruning: the kept rows, the id map, the pruned tokenizer and a pruned LoRA model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from threatdetect.modeling.vocabulary import (
    KEPT_TOKENS_FILE,
    TokenMap,
    dutch_token_ids,
    prune_tokenizer_file,
    read_embedding_rows,
    write_kept_tokens,
)

TEXTS = [
    "ik weet waar je woont wethouder",
    "fijne dag allemaal, tot morgen bij de raad",
    "jij bent de volgende 🔪🔪",
    "de gemeente moet het parkeerbeleid aanpassen",
]


def test_only_the_kept_rows_are_read_and_in_order(tmp_path):
    import torch
    from safetensors.torch import save_file

    matrix = torch.randn(50, 8)
    save_file(
        {"other": torch.zeros(3), "embeddings.word_embeddings.weight": matrix},
        str(tmp_path / "m.safetensors"),
    )
    kept = np.asarray([0, 1, 2, 3, 7, 8, 9, 20, 49])
    rows = read_embedding_rows(tmp_path / "m.safetensors", "embeddings.word_embeddings.weight", kept)
    assert torch.equal(rows, matrix[torch.from_numpy(kept)])


def test_token_map_keeps_kept_ids_in_order_and_sends_the_rest_to_unk():
    token_map = TokenMap([0, 1, 2, 3, 10, 11, 40], vocab_size=50, unk_id=3)
    assert token_map([0, 1, 10, 11, 40]) == [0, 1, 4, 5, 6]
    assert token_map([12, 39]) == [3, 3], "dropped tokens read as <unk>"
    with pytest.raises(ValueError, match="sorted"):
        TokenMap([0, 3, 2], vocab_size=50, unk_id=3)
    with pytest.raises(ValueError, match="unk"):
        TokenMap([0, 1, 2], vocab_size=50, unk_id=3)


SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def _unigram_tokenizer():
    """A small unigram tokenizer trained on dev messages (e5's tokenizer is a unigram one too)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    with Path("data/corpus/dev.jsonl").open(encoding="utf-8") as handle:
        corpus = [json.loads(line)["text"] for line in handle][:800]
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=800, special_tokens=SPECIALS, unk_token="<unk>")
    tokenizer.train_from_iterator(corpus, trainer)
    return tokenizer


def test_kept_ids_are_the_same_through_the_fast_backend_and_the_python_wrapper():
    pytest.importorskip("wordfreq")
    from transformers import PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(tokenizer_object=_unigram_tokenizer(), unk_token="<unk>")
    fast.add_special_tokens({"bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>"})

    class WrapperOnly:
        """The tokenizer's Python interface without its Rust backend (the fallback path)."""

        all_special_ids = fast.all_special_ids
        get_vocab = fast.get_vocab

        def __call__(self, *args, **kwargs):
            return fast(*args, **kwargs)

    words = {"nl": 3000, "en": 500}
    kept = dutch_token_ids(fast, TEXTS, words=words)
    assert kept == dutch_token_ids(WrapperOnly(), TEXTS, words=words)
    for text in TEXTS:
        assert set(fast(text, add_special_tokens=False)["input_ids"]) <= set(kept)


def test_a_pruned_unigram_tokenizer_splits_kept_texts_exactly_as_the_full_one(tmp_path):
    from transformers import PreTrainedTokenizerFast

    tokenizer = _unigram_tokenizer()
    full_path = tmp_path / "full" / "tokenizer.json"
    full_path.parent.mkdir()
    tokenizer.save(str(full_path))

    used = {i for text in TEXTS for i in tokenizer.encode(text).ids}
    kept = sorted(used | {tokenizer.token_to_id(t) for t in SPECIALS})
    assert len(kept) < tokenizer.get_vocab_size() / 2
    pruned_path = prune_tokenizer_file(full_path, kept, tmp_path / "pruned")
    full = PreTrainedTokenizerFast(tokenizer_file=str(full_path), unk_token="<unk>")
    pruned = PreTrainedTokenizerFast(tokenizer_file=str(pruned_path), unk_token="<unk>")
    token_map = TokenMap(kept, tokenizer.get_vocab_size(), tokenizer.token_to_id("<unk>"))
    assert len(pruned) == len(kept)
    for text in TEXTS:
        ids = full(text, add_special_tokens=False)["input_ids"]
        assert pruned(text, add_special_tokens=False)["input_ids"] == token_map(ids)
        assert pruned.tokenize(text) == full.tokenize(text)
    # A text that needs dropped pieces is still split into kept pieces, never fails.
    assert pruned("volkomen andere woorden hier")["input_ids"]


def test_a_pruned_lora_model_scores_texts_of_kept_tokens_exactly_as_the_full_model(
    tmp_path, small_corpus, tiny_roberta
):
    from conftest import trained_model
    from transformers import AutoTokenizer

    from threatdetect.modeling.transformer import TransformerModel

    full_dir = trained_model(
        "configs/tiny.yaml",
        tmp_path / "lora",
        small_corpus,
        [f"transformer.base_model={tiny_roberta}", "transformer.lora.enabled=true"],
    )
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_roberta))
    # The tiny model carries its own tokenizer; ids stay those of the full vocabulary here.
    used = {i for text in TEXTS for i in tokenizer(f"{text}")["input_ids"]}
    kept = sorted(used | set(tokenizer.all_special_ids))
    pruned_dir = tmp_path / "pruned"
    shutil.copytree(full_dir, pruned_dir)
    write_kept_tokens(pruned_dir / "transformer", kept, len(tokenizer))
    assert (pruned_dir / "transformer" / KEPT_TOKENS_FILE).is_file()

    full = TransformerModel.load(full_dir, device="cpu")
    pruned = TransformerModel.load(pruned_dir, device="cpu")
    assert pruned.model.get_input_embeddings().num_embeddings == len(kept)
    assert full.model.get_input_embeddings().num_embeddings == len(tokenizer)
    # Same weights, same ids; only float rounding differs (another matrix shape, other kernels).
    np.testing.assert_allclose(pruned.predict_proba(TEXTS), full.predict_proba(TEXTS), atol=1e-4)
    # Unknown words are read as <unk>: scored, not an error.
    assert pruned.predict_proba(["zzzqqq xyzzy plugh"]).shape == (1, 3)
