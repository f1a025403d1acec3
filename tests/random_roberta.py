"""Randomly initialised RoBERTa encoders with a tokenizer trained on the spot.

Used where the weights do not matter: tests that must train end to end in seconds without a model
hub, and speed benchmarks (a RoBERTa-base-sized model runs exactly as fast with random weights). A
test and benchmark helper, so it lives here and not in the installed package.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SPECIAL_TOKENS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


@dataclass(frozen=True)
class EncoderSize:
    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int


TINY = EncoderSize(hidden=32, layers=2, heads=2, ffn=64, max_positions=80)
BASE = EncoderSize(hidden=768, layers=12, heads=12, ffn=3072, max_positions=514)  # RoBERTa-base / RobBERT


def build_random_roberta(
    texts: Iterable[str],
    directory: Path,
    size: EncoderSize = TINY,
    vocab_size: int = 600,
    max_length: int = 64,
) -> Path:
    """Train a byte-level BPE tokenizer on `texts`, save it with a random RoBERTa to `directory`."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaConfig, RobertaForMaskedLM, RobertaTokenizerFast

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        list(texts), vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS
    )
    bpe.save_model(str(directory))
    tokenizer = RobertaTokenizerFast.from_pretrained(directory, model_max_length=max_length)
    if tokenizer.vocab_size <= len(SPECIAL_TOKENS):
        raise ValueError("the tokenizer learned no vocabulary: give it more text")
    tokenizer.save_pretrained(directory)
    config = RobertaConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=size.hidden,
        num_hidden_layers=size.layers,
        num_attention_heads=size.heads,
        intermediate_size=size.ffn,
        max_position_embeddings=size.max_positions,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    RobertaForMaskedLM(config).save_pretrained(directory)
    return directory


def main() -> None:
    """`python tests/random_roberta.py OUT_DIR` (from the repository root): a tiny random RoBERTa
    trained on our corpus text, the base model of `configs/tiny.yaml`."""
    import json
    import sys

    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/random_roberta.py OUT_DIR (from the repository root)")
    corpus = Path("data/corpus/train.jsonl")
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    print(build_random_roberta(texts, Path(sys.argv[1]), TINY, vocab_size=2000))


if __name__ == "__main__":
    main()
