"""Training data: the train, dev and test splits a config names, read by `threatdetect.io.labelled`.

Local JSON Lines, CSV or Parquet files (our corpus by default) or a hub dataset id, with the config's
column mapping. Rejected rows come back in each split's `bad_rows`; they are never dropped silently.
"""

from __future__ import annotations

from threatdetect.io.labelled import BadRow, LabelledDataError, LabelledSplit, read_labelled
from threatdetect.training.config import ConfigError, DataConfig

__all__ = ["BadRow", "LabelledSplit", "load_split", "load_splits"]


def load_split(source: str, config: DataConfig, name: str, hub_split: str | None = None) -> LabelledSplit:
    """Load one split with the config's column mapping; an unusable file is a `ConfigError`."""
    try:
        return read_labelled(
            source,
            name,
            text_column=config.text_column,
            label_columns=config.label_columns,
            hub_split=hub_split,
        )
    except LabelledDataError as error:
        raise ConfigError(str(error)) from error


def load_splits(config: DataConfig) -> dict[str, LabelledSplit]:
    """train, dev and (when configured) test."""
    splits: dict[str, LabelledSplit] = {}
    wanted = {"train": config.train, "dev": config.dev, "test": config.test}
    for name, source in wanted.items():
        if source is None:
            continue
        if config.hub_dataset:
            splits[name] = load_split(config.hub_dataset, config, name, hub_split=source)
        else:
            splits[name] = load_split(source, config, name)
    if config.max_train_samples and len(splits["train"]) > config.max_train_samples:
        train = splits["train"]
        keep = config.max_train_samples
        splits["train"] = LabelledSplit(
            "train",
            train.texts[:keep],
            train.labels[:keep],
            {k: v[:keep] for k, v in train.extra.items()},
            train.bad_rows,
            train.source,
        )
    return splits
