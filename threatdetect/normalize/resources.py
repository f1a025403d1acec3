"""Loading the normaliser's data files (lexicon, abbreviations, emoji map, homoglyphs) once per process.

The files live in `threatdetect/resources/` and are read through importlib.resources so they also work
from a wheel or zip. Each loader is wrapped in `functools.lru_cache`, so every Normalizer shares one copy.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

RESOURCE_PACKAGE = "threatdetect"
RESOURCE_DIR = "resources"


def read_resource_text(name: str) -> str:
    """The text of a file in `threatdetect/resources/`."""
    return files(RESOURCE_PACKAGE).joinpath(RESOURCE_DIR, name).read_text(encoding="utf-8")


def _read_json_mapping(name: str) -> dict[str, Any]:
    try:
        data = json.loads(read_resource_text(name))
    except json.JSONDecodeError as error:
        raise ValueError(
            f"threatdetect/resources/{name} line {error.lineno}: not valid JSON ({error.msg}); fix the file"
        ) from error
    if not isinstance(data, dict):
        raise ValueError(f"threatdetect/resources/{name}: expected a JSON object at the top level")
    data.pop("_comment", None)
    return data


@lru_cache(maxsize=1)
def load_abbreviations() -> dict[str, tuple[str, ...]]:
    """Chat abbreviation -> expansion words, e.g. 'kheb' -> ('ik', 'heb')."""
    raw = _read_json_mapping("abbreviations_nl.json")
    table: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(
                f"threatdetect/resources/abbreviations_nl.json: {key!r} needs a non-empty string"
            )
        table[key.lower()] = tuple(value.split())
    return table


@lru_cache(maxsize=1)
def load_emoji_words() -> dict[str, tuple[str, ...]]:
    """Threat-relevant emoji (without variation selectors) -> Dutch words added after it."""
    raw = _read_json_mapping("emoji_nl.json")
    table: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if not isinstance(value, list) or not all(isinstance(word, str) and word for word in value):
            raise ValueError(f"threatdetect/resources/emoji_nl.json: {key!r} needs a list of words")
        table[key.replace("\ufe0f", "")] = tuple(value)
    return table


@lru_cache(maxsize=1)
def load_homoglyphs() -> dict[str, str]:
    """Look-alike character -> Latin letter (single characters only, so spans keep their length)."""
    raw = _read_json_mapping("homoglyphs.json")
    for key, value in raw.items():
        if len(key) != 1 or not isinstance(value, str) or len(value) != 1:
            raise ValueError(f"threatdetect/resources/homoglyphs.json: {key!r} must map one character to one")
    return dict(raw)
