"""Vocabulary pruning: keep only the embedding rows of the tokens Dutch (and the English mixed into
it) needs.

multilingual-e5-small has 250,002 tokens for about 100 languages; its embedding matrix is 366 MB in
fp32, three quarters of the model. A model directory may list the token ids to keep in
`transformer/kept_tokens.json`; the loader then reads only those rows of the base checkpoint
(nothing else of the matrix is ever in memory) and maps the tokenizer's ids onto them. The tokenizer
itself is unchanged, so every kept token gets exactly the id, and the embedding, it had before; a
token that was not kept is read as `<unk>`.

The kept set is made at training time from a Dutch and an English word-frequency list (`wordfreq`),
the training texts, every special token, and every single-character piece of Latin script,
punctuation, symbols and emoji, so an unseen word can still be spelled from pieces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

KEPT_TOKENS_FILE = "kept_tokens.json"
#: Words per language from the wordfreq lists (most frequent first).
WORDS = {"nl": 300_000, "en": 50_000}
#: Single-character pieces from these code points are kept as the spelling fallback (CJK and
#: other scripts Dutch messages do not use are left out; emoji are kept).
_FALLBACK_BELOW, _EMOJI_FROM = 0x3000, 0x1F000
_SPM_SPACE = "\u2581"


def _fallback_piece(piece: str) -> bool:
    """Single characters, and pieces without letters (numbers, `!!`, `...`, `??`, emoji runs)."""
    body = piece.removeprefix(_SPM_SPACE)
    common = all(ord(c) < _FALLBACK_BELOW or ord(c) >= _EMOJI_FROM for c in body)
    return common and (len(body) <= 1 or not any(c.isalpha() for c in body))


def dutch_token_ids(
    tokenizer: Any, texts: Iterable[str] = (), words: dict[str, int] | None = None
) -> list[int]:
    """Sorted ids of the tokens to keep: word lists, `texts`, special tokens and the fallback pieces."""
    try:
        from wordfreq import top_n_list
    except ImportError as error:  # an optional dependency: only training needs it
        raise ImportError(
            "pruning the vocabulary needs wordfreq: pip install 'threatdetect[train]'"
        ) from error

    keep: set[int] = set(tokenizer.all_special_ids)
    keep.update(i for piece, i in tokenizer.get_vocab().items() if _fallback_piece(piece))
    from threatdetect.normalize.placeholders import EMAIL_TOKEN, PHONE_TOKEN, URL_TOKEN, USER_TOKEN

    lists = [top_n_list(language, n) for language, n in (words or WORDS).items()]
    placeholders = [URL_TOKEN, USER_TOKEN, EMAIL_TOKEN, PHONE_TOKEN]
    # A fast tokenizer's Rust backend gives the same ids about 2.5 times faster than the Python
    # wrapper, which builds a BatchEncoding of lists (1.5 million strings at training time).
    backend = getattr(tokenizer, "backend_tokenizer", None)

    def token_ids(strings: list[str]) -> Iterable[list[int]]:
        if backend is not None:
            return (encoding.ids for encoding in backend.encode_batch(strings, add_special_tokens=False))
        return tokenizer(strings, add_special_tokens=False)["input_ids"]

    # A word at the start of a message, after a space, capitalised and in capitals (ALL CAPS
    # messages are common): four tokenisations.
    for batch in (*lists, placeholders, list(texts)):
        for start in range(0, len(batch), 10_000):
            chunk = batch[start : start + 10_000]
            variants = [
                *chunk,
                *(f"x {w}" for w in chunk),
                *(w[:1].upper() + w[1:] for w in chunk),
                *(f"x {w.upper()}" for w in chunk),
            ]
            for ids in token_ids(variants):
                keep.update(ids)
    return sorted(keep)


def write_kept_tokens(directory: Path, ids: Sequence[int], vocab_size: int) -> Path:
    path = Path(directory) / KEPT_TOKENS_FILE
    path.write_text(json.dumps({"vocab_size": vocab_size, "kept": list(map(int, ids))}), encoding="utf-8")
    return path


class TokenMap:
    """Maps the tokenizer's ids onto the rows of a pruned embedding matrix."""

    def __init__(self, kept: Sequence[int], vocab_size: int, unk_id: int) -> None:
        kept_array = np.asarray(kept, dtype=np.int64)
        if len(kept_array) == 0 or np.any(np.diff(kept_array) <= 0) or kept_array[-1] >= vocab_size:
            raise ValueError("kept token ids must be sorted, distinct and inside the vocabulary")
        if unk_id not in set(kept_array.tolist()):
            raise ValueError("the kept tokens must include <unk>")
        self.kept = kept_array
        self.table = np.full(vocab_size, int(np.searchsorted(kept_array, unk_id)), dtype=np.int64)
        self.table[kept_array] = np.arange(len(kept_array))

    @classmethod
    def load(cls, directory: Path, unk_id: int) -> TokenMap | None:
        path = Path(directory) / KEPT_TOKENS_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["kept"], int(data["vocab_size"]), unk_id)

    def __len__(self) -> int:
        return len(self.kept)

    def __call__(self, ids: Sequence[int]) -> list[int]:
        return self.table[np.asarray(ids, dtype=np.int64)].tolist()


def read_embedding_rows(checkpoint: Path, name: str, kept: np.ndarray) -> Any:
    """Rows `kept` of the 2-D fp32 tensor `name` in a safetensors file, read run by run with plain
    reads: the rest of the matrix is never in memory (a memory map, or safetensors' slices, would
    bring most of the 366 MB matrix into resident memory on the way)."""
    import torch

    with open(checkpoint, "rb") as handle:
        header_size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(header_size))
        entry = header[name]
        if entry["dtype"] != "F32" or len(entry["shape"]) != 2:
            raise ValueError(
                f"{checkpoint}: {name} is {entry['dtype']} {entry['shape']}, expected a 2-D F32 matrix"
            )
        columns = int(entry["shape"][1])
        row_bytes = 4 * columns
        base = 8 + header_size + int(entry["data_offsets"][0])
        out = np.empty((len(kept), columns), dtype=np.float32)
        # Consecutive ids form runs; each run is one contiguous read.
        breaks = np.flatnonzero(np.diff(kept) != 1) + 1
        row = 0
        for run in np.split(kept, breaks):
            handle.seek(base + int(run[0]) * row_bytes)
            out[row : row + len(run)] = np.frombuffer(handle.read(len(run) * row_bytes), dtype="<f4").reshape(
                len(run), columns
            )
            row += len(run)
    return torch.from_numpy(out)


def is_unigram(tokenizer_json: Path) -> bool:
    """Whether a `tokenizer.json` exists and holds a Unigram model (the kind that can be pruned).

    Other tokenizers (byte-level BPE, WordPiece) stay whole; their ids are mapped onto the kept
    rows at scoring time (`TokenMap`)."""
    if not Path(tokenizer_json).is_file():
        return False
    with open(tokenizer_json, encoding="utf-8") as handle:
        return json.load(handle).get("model", {}).get("type") == "Unigram"


def prune_tokenizer_file(tokenizer_json: Path, kept: Sequence[int], out_dir: Path) -> Path:
    """A copy of a Unigram `tokenizer.json` with only the `kept` pieces, whose ids are then the rows
    of the pruned embedding matrix.

    A Unigram tokenizer picks the best-scoring segmentation among its pieces; removing pieces only
    removes candidates, so every text whose segmentation used kept pieces only is split exactly as
    before, with the same pieces. A text that needed a dropped piece gets the best split from the
    kept ones instead of `<unk>`. The Rust tokenizer of all 250,002 pieces takes about 300 MB of
    memory; this one a fraction of that.
    """
    data = json.loads(Path(tokenizer_json).read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"{tokenizer_json}: only Unigram tokenizers can be pruned, not {model.get('type')}")
    index = {old: new for new, old in enumerate(kept)}
    model["vocab"] = [model["vocab"][old] for old in kept]
    model["unk_id"] = index[model["unk_id"]]
    for token in data.get("added_tokens", []):
        token["id"] = index[token["id"]]
    for special in ((data.get("post_processor") or {}).get("special_tokens") or {}).values():
        special["ids"] = [index[i] for i in special["ids"]]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "tokenizer.json"
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    return path
