"""Stages 2 and 4 (`expand_abbreviations`): expand Dutch/Flemish chat abbreviations (`gwn` -> `gewoon`, `kheb` -> `ik heb`).

The table is data (`resources/abbreviations_nl.json`); this module only looks words up and keeps the
writer's capitalisation on the first expanded word.
"""

from __future__ import annotations

from threatdetect.normalize.resources import load_abbreviations


def expand_abbreviation(word: str) -> tuple[str, ...] | None:
    """The expansion words for `word`, or None. Dotted forms (`a.u.b.`, `m.a.w.`) count too."""
    table = load_abbreviations()
    lower = word.lower()
    expansion = table.get(lower)
    if expansion is None and "." in lower:
        expansion = table.get(lower.replace(".", ""))
    if expansion is None:
        return None
    if word[:1].isupper() and not word.isupper():
        return (expansion[0][:1].upper() + expansion[0][1:], *expansion[1:])
    return expansion
