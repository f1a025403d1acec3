"""Open any model directory: linear, transformer or cascade."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from threatdetect.modeling.base import ScoringModel
from threatdetect.modeling.model_dir import ModelConfig, ModelDirError

#: Environment variable naming a model directory to use instead of the shipped one.
MODEL_ENV = "THREATDETECT_MODEL"


def shipped_model_dir() -> Path:
    """The default model installed with the package as `threatdetect.models/default`.

    In a checkout (editable install) that is the repository's `models/default`. The directory is read
    where it lies, never copied: the model may grow to tens of megabytes.
    """
    directory = resources.files("threatdetect.models").joinpath("default")
    if not isinstance(directory, Path):
        raise ModelDirError(
            f"the shipped model is not a plain directory ({directory}); install threatdetect unzipped "
            f"or point ${MODEL_ENV} at a model directory"
        )
    return directory


def default_model_dir() -> Path:
    """`$THREATDETECT_MODEL` when set, else the shipped default model."""
    override = os.environ.get(MODEL_ENV)
    return Path(override) if override else shipped_model_dir()


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
