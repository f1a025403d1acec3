"""Stages 2 and 4 (`squeeze_elongations`): squeeze elongations (`doooood` -> `dood`, `hahahaha` -> `haha`, `!!!!!` -> `!!`).

Dutch spells long vowels and some consonants double (`moord`, `been`, `heel`), so a run of three or
more letters may stand for one or two. We try both and keep the variant that is a lexicon word; when
none is, two letters is the safer guess because it never deletes a real double letter.
"""

from __future__ import annotations

import itertools
import re

from threatdetect.normalize.lexicon import VOWELS, Lexicon

LETTER_RUN_RE = re.compile(r"([^\W\d_])\1{2,}")
_LAUGHTER_RE = re.compile(r"([^\W\d_])((?!\1)[^\W\d_])(?:\1\2){2,}")
# Runs of "!" / "?" / "." of two or more: one token, so "!!" is not split into "! !" on a second pass.
PUNCT_RUN_PATTERN = r"[!?]{2,}|\.{2,}"
# With more runs than this we stop enumerating variants (2**n) and squeeze every run to two.
_MAX_RUNS = 5


_ELONGATION_RE = re.compile(r"([^\W\d_])\1{2,}|([^\W\d_])((?!\2)[^\W\d_])(?:\2\3){2,}")


def has_elongation(text: str) -> bool:
    """True when the text holds a letter run of three or more or repeated laughter syllables."""
    return _ELONGATION_RE.search(text) is not None


def squeeze_word(word: str, lexicon: Lexicon) -> str:
    """The squeezed form of `word` (case kept); unchanged when there is nothing to squeeze."""
    if word.lower() in lexicon:
        return word
    runs = list(LETTER_RUN_RE.finditer(word))
    if runs:
        word = _squeeze_runs(word, runs, lexicon)
    if _LAUGHTER_RE.search(word) is not None:
        word = _LAUGHTER_RE.sub(lambda m: m.group(1) + m.group(2) + m.group(1) + m.group(2), word)
    return word


def _squeeze_runs(word: str, runs: list[re.Match[str]], lexicon: Lexicon) -> str:
    def build(lengths: tuple[int, ...]) -> str:
        pieces, cursor = [], 0
        for run, keep in zip(runs, lengths, strict=True):
            pieces.append(word[cursor : run.start()])
            pieces.append(run.group(1) * keep)
            cursor = run.end()
        pieces.append(word[cursor:])
        return "".join(pieces)

    if len(runs) > _MAX_RUNS:
        return build((2,) * len(runs))
    # Preferred length per run: a final a/o/u/i is usually single (`zooo` -> `zo`, `jaaa` -> `ja`),
    # a final e and anything inside a word usually double (`neee` -> `nee`, `doooood` -> `dood`).
    preferences = []
    for run in runs:
        final_vowel = run.end() == len(word) and run.group(1).lower() in VOWELS - {"e"}
        preferences.append((1, 2) if final_vowel else (2, 1))
    for lengths in itertools.product(*preferences):
        candidate = build(lengths)
        if candidate.lower() in lexicon:
            return candidate
    return build((2,) * len(runs))


def squeeze_punctuation(run: str) -> str:
    """`!!!!!` -> `!!`, `?!?!?!` -> `?!`, `.....` -> `...` (an ellipsis stays an ellipsis)."""
    if run[0] == ".":
        return "..." if len(run) >= 3 else run
    if len(set(run)) == 1:
        return run[:2]
    return run[0] + ("?" if run[0] == "!" else "!")
