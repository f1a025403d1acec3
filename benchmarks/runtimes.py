"""Faster runtimes for the transformer stage, measured by bench_scoring.py against the fp32 torch model.

Each candidate replaces the `model` of a loaded `TransformerModel` with something that takes the same
`input_ids`/`attention_mask` batches and returns logits, so tokenisation, windows and the cascade stay
exactly as shipped and only the runtime differs:

- `torch int8 (oneDNN)`: dynamic int8 quantisation with per-channel weights on torch's oneDNN engine,
  which obeys `ONEDNN_MAX_CPU_ISA` (so in the AVX2 profile it really runs AVX2 int8 kernels);
- `onnxruntime fp32` and `onnxruntime int8`: the same network exported to ONNX, and that export with
  dynamic int8 quantisation (per-channel weights). ONNX Runtime picks its kernels from the CPU itself:
  the AVX2 profile does not hold it to AVX2, so its rows say so.

ONNX Runtime is a benchmark extra: `pip install -e ".[bench]"`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Candidate:
    name: str
    #: Runs in ONNX Runtime (the `[bench]` extra); otherwise in torch.
    onnx: bool
    int8: bool

    @property
    def held_to_avx2(self) -> bool:
        """Whether the AVX2 profile holds its kernels to AVX2: torch's oneDNN obeys
        `ONEDNN_MAX_CPU_ISA`; ONNX Runtime picks its kernels from the CPU itself."""
        return not self.onnx


CANDIDATES = (
    Candidate("torch int8 (oneDNN, per-channel)", onnx=False, int8=True),
    Candidate("onnxruntime fp32", onnx=True, int8=False),
    Candidate("onnxruntime int8 (dynamic, per-channel)", onnx=True, int8=True),
)


def onnxruntime_available() -> bool:
    return (
        importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
    )


def torch_int8_onednn(model: Any) -> Any:
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    torch.backends.quantized.engine = "onednn"
    return quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)


class OnnxModel:
    """Calls an ONNX Runtime session like a transformers model: `model(input_ids=..., attention_mask=...).logits`."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: Any, attention_mask: Any) -> SimpleNamespace:
        import torch

        (logits,) = self.session.run(
            ["logits"],
            {
                "input_ids": input_ids.numpy().astype(np.int64),
                "attention_mask": attention_mask.numpy().astype(np.int64),
            },
        )
        return SimpleNamespace(logits=torch.from_numpy(logits))


def export_onnx(model: Any, folder: Path) -> Path:
    """The fp32 network as ONNX with dynamic batch and sequence axes."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    path = folder / "transformer.onnx"
    ids = torch.ones((2, 16), dtype=torch.long)
    with torch.inference_mode():
        torch.onnx.export(
            Logits(model.eval()),
            (ids, torch.ones_like(ids)),
            str(path),
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "length"},
                "attention_mask": {0: "batch", 1: "length"},
            },
            opset_version=17,
            dynamo=False,
        )
    return path


def quantize_onnx(path: Path) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = path.with_name("transformer.int8.onnx")
    quantize_dynamic(str(path), str(out), per_channel=True, weight_type=QuantType.QInt8)
    return out


def swap_runtime(transformer: Any, candidate: Candidate, folder: Path, threads: int) -> None:
    """Replace `transformer.model` (a fp32 torch model) by `candidate`, in place."""
    if not candidate.onnx:
        transformer.model = torch_int8_onednn(transformer.model)
        return
    exported = export_onnx(transformer.model, folder)
    if candidate.int8:
        exported = quantize_onnx(exported)
    transformer.model = OnnxModel(exported, threads)
