"""Redraw the casing and end punctuation of the first corpus's lines from the shared form cards.

Our first corpus (the six `*.tsv` files written before the form cards existed) let its form give the
label away: harmless messages were capitalised and ended in a full stop, flagged ones were lower case
and sloppy. Length and wording cannot be redrawn without rewriting a message, but casing and the
punctuation at the end can: this script draws both for every line of those files from the same
distribution the later writers used (`form_cards.py`), whatever the line's label, and rewrites the
text in place. It never touches @mentions, #hashtags or links, and never adds punctuation after an
emoji or a link. It ran once, with the seed below, on 2026-11-30; it is kept to show what was done.

    python data/corpus/tools/redraw_form.py data/corpus/written/{death_threat,hate,intimidation,negatives,hard_negatives_a,hard_negatives_b}.tsv
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

SEED = 20261130
CASING = [("lower", 0.45), ("sentence", 0.45), ("ALL CAPS", 0.05), ("keep", 0.05)]
ENDING = [("none", 0.35), ("normal", 0.35), ("shout", 0.15), ("trail", 0.10), ("strip", 0.05)]
_END = re.compile(r"[\s.!?…]+$")
_PROTECTED = re.compile(r"^(https?://|www\.|@|#)")
_EMOJI_OR_LINK_END = re.compile(r"([\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]|https?://\S+)$")


def _draw(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def _case(text: str, casing: str) -> str:
    def each(word: str, change) -> str:
        return word if _PROTECTED.match(word) else change(word)

    words = text.split(" ")
    if casing == "lower":
        return " ".join(each(w, str.lower) for w in words)
    if casing == "ALL CAPS":
        return " ".join(each(w, str.upper) for w in words)
    if casing == "sentence" and text[:1].isalpha():
        return text[0].upper() + text[1:]
    return text


def redraw(text: str, rng: random.Random) -> str:
    casing, ending = _draw(rng, CASING), _draw(rng, ENDING)
    body = _END.sub("", text) or text
    body = _case(body, casing)
    if ending == "strip":
        body = re.sub(r"(?<=\w)[,.;:!?](?=\s|$)", "", body)
    if _EMOJI_OR_LINK_END.search(body) or ending in ("none", "strip"):
        return body
    if ending == "normal":
        return body + ("?" if text.rstrip().endswith("?") else ".")
    if ending == "shout":
        return body + rng.choice(["!!!", "!!", "???", "?!"])
    return body + rng.choice(["...", ".."])


def main(paths: list[str]) -> None:
    rng = random.Random(SEED)
    for path in map(Path, paths):
        lines = path.read_text(encoding="utf-8").split("\n")
        out = []
        for line in lines:
            if not line.strip() or line.startswith("#"):
                out.append(line)
                continue
            fields = line.split("\t")
            fields[-1] = redraw(fields[-1], rng)
            out.append("\t".join(fields))
        path.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
