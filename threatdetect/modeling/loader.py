"""Open any model directory: linear, transformer or cascade."""

from __future__ import annotations

from pathlib import Path

from threatdetect.modeling.base import ScoringModel
from threatdetect.modeling.model_dir import ModelConfig

#: The shipped default model, relative to the repository / installed data.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "default"


def default_model_dir() -> Path:
    import os

    return Path(os.environ.get("THREATDETECT_MODEL", DEFAULT_MODEL_DIR))


def load_model(path: str | Path | None = None, device: str = "auto", precision: str = "auto") -> ScoringModel:
    """Load a model directory (the shipped default when `path` is None)."""
    directory = Path(path) if path is not None else default_model_dir()
    config = ModelConfig.load(directory)
    if config.kind == "linear":
        from threatdetect.modeling.linear import LinearModel

        return LinearModel.load(directory, config)
    if config.kind == "transformer":
        from threatdetect.modeling.transformer import TransformerModel

        return TransformerModel.load(directory, config, device=device, precision=precision)
    from threatdetect.modeling.cascade import CascadeModel

    return CascadeModel.load(directory, config, device=device, precision=precision)
