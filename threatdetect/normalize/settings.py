"""Which normalisation steps run: a self-validating dataclass that round-trips through plain dicts.

Settings travel inside model cards and experiment configs, so they must survive JSON and reject typos
loudly instead of silently falling back to defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class NormalizerSettings:
    """Switches for each normalisation step; every step is on by default.

    Attributes:
        repair_encoding: fix mojibake (ftfy), apply NFKC, drop zero-width/control characters and map
            Cyrillic/Greek look-alike letters to Latin.
        placeholders: replace URLs, @mentions, e-mail addresses and phone numbers by `URL`, `@USER`,
            `EMAIL` and `TELEFOON`.
        squeeze_elongations: shorten letter runs (`doooood` -> `dood`), laughter and `!!!!!`.
        deobfuscate: undo spaced, dotted, masked and leetspeak spellings when the result is a lexicon word.
        map_emoji: add a Dutch word token after threat-relevant emoji (the emoji itself is kept).
        expand_abbreviations: expand chat abbreviations (`gwn` -> `gewoon`).
        segment_hashtags: split hashtags into lexicon words (`#ikmaakjeaf` -> `ik maak je af`).
    """

    repair_encoding: bool = True
    placeholders: bool = True
    squeeze_elongations: bool = True
    deobfuscate: bool = True
    map_emoji: bool = True
    expand_abbreviations: bool = True
    segment_hashtags: bool = True

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not isinstance(value, bool):
                raise TypeError(
                    f"NormalizerSettings.{name} must be True or False, got {type(value).__name__} {value!r}"
                )

    @classmethod
    def step_names(cls) -> tuple[str, ...]:
        """The names of all switchable steps, in pipeline order."""
        return tuple(field.name for field in fields(cls))

    def to_dict(self) -> dict[str, bool]:
        """A plain dict (JSON-ready) that `from_dict` turns back into equal settings."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizerSettings:
        """Build settings from a dict; unknown keys raise ValueError naming the key and the valid ones."""
        known = set(cls.step_names())
        for key in data:
            if key not in known:
                raise ValueError(
                    f"unknown normaliser setting {key!r}; valid settings are: {', '.join(cls.step_names())}"
                )
        return cls(**data)
