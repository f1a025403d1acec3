"""Training data through `datasets`: column mapping and rows that are reported, never skipped silently."""

from __future__ import annotations

import pytest

from threatdetect.training.config import ConfigError, DataConfig
from threatdetect.training.data import load_split


def test_csv_with_other_label_names_and_bad_rows(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "bericht,haat,dreiging,dood\n"
        "ik maak je af,0,0,1\n"
        "goedemorgen,0,0,0\n"
        ",1,0,0\n"
        "vieze hoer,1,0,misschien\n",
        encoding="utf-8",
    )
    config = DataConfig(
        train=str(path),
        dev=str(path),
        test=None,
        functional=None,
        text_column="bericht",
        label_columns={"hate": "haat", "intimidation": "dreiging", "death_threat": "dood"},
    )
    split = load_split(str(path), config, "train")
    assert split.texts == ["ik maak je af", "goedemorgen"]
    assert split.labels.tolist() == [[0, 1, 1], [0, 0, 0]], "death_threat implies intimidation"
    assert [(bad.row, bad.reason) for bad in split.bad_rows] == [
        (3, "field 'bericht' is empty or not text"),
        (4, "field 'dood' is not 0/1"),
    ]


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"body": "hallo", "hate": 0}\n', encoding="utf-8")
    config = DataConfig(train=str(path), dev=str(path), test=None, functional=None)
    with pytest.raises(ConfigError, match=r"missing column\(s\) text, intimidation, death_threat"):
        load_split(str(path), config, "train")


def test_invalid_json_line_is_named(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text(
        '{"text": "a", "hate": 0, "intimidation": 0, "death_threat": 0}\n{"text": \n', encoding="utf-8"
    )
    config = DataConfig(train=str(path), dev=str(path), test=None, functional=None)
    with pytest.raises(ConfigError, match="line 2: invalid JSON"):
        load_split(str(path), config, "train")
