"""Label-preserving augmentation for the training split: obfuscation, typos, emoji, casing.

Only train rows are augmented (dev and test stay as written), an augmented row keeps its source's
group, and `origin` says which operation made it (`augmented:obfuscation`).
"""

from __future__ import annotations

import random
import re

from threatdetect.triggers import TriggerLexicon

OPERATIONS = ("obfuscation", "typos", "emoji", "casing")
_WORD = re.compile(r"[a-zà-ÿ]{4,}", re.IGNORECASE)
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "$", "t": "7"}
# Emoji that add tone but never change the label of a message.
_TONE_EMOJI = {"flagged": ["😡", "🤬", "😤", "👿", "🖕"], "clean": ["😂", "🙄", "🤷", "👍", "😅", "🤔"]}


def _obfuscate_word(word: str, rng: random.Random) -> str:
    style = rng.choice(("spaced", "dotted", "masked", "leet"))
    if style == "spaced":
        return " ".join(word)
    if style == "dotted":
        return rng.choice(".-").join(word)
    if style == "masked":
        vowels = [i for i, ch in enumerate(word) if ch.lower() in "aeiou" and 0 < i < len(word) - 1]
        if not vowels:
            return word[0] + "*" * (len(word) - 2) + word[-1]
        chars = list(word)
        for i in rng.sample(vowels, k=max(1, len(vowels) // 2)):
            chars[i] = "*"
        return "".join(chars)
    return "".join(_LEET.get(ch.lower(), ch) if rng.random() < 0.7 else ch for ch in word)


def obfuscate(text: str, rng: random.Random) -> str:
    """Obfuscate a trigger word when there is one, else the longest word."""
    hits = TriggerLexicon.default().hits(text.lower())
    single_words = [h for h in hits if " " not in h.term and len(h.term) >= 3]
    if single_words:
        hit = rng.choice(single_words)
        start, end = hit.start, hit.end
    else:
        words = list(_WORD.finditer(text))
        if not words:
            return text
        match = max(words, key=lambda m: len(m.group(0)))
        start, end = match.span()
    return text[:start] + _obfuscate_word(text[start:end], rng) + text[end:]


def add_typos(text: str, rng: random.Random) -> str:
    words = list(_WORD.finditer(text))
    if not words:
        return text
    chars = list(text)
    for match in rng.sample(words, k=min(len(words), rng.choice((1, 2)))):
        i = rng.randrange(match.start() + 1, match.end() - 1)
        kind = rng.choice(("swap", "drop", "double"))
        if kind == "swap":
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif kind == "drop":
            chars[i] = ""
        else:
            chars[i] = chars[i] * 2
    return "".join(chars)


def add_emoji(text: str, flagged: bool, rng: random.Random) -> str:
    pool = _TONE_EMOJI["flagged" if flagged else "clean"]
    return text.rstrip() + " " + "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 3))))


def change_casing(text: str, rng: random.Random) -> str:
    return text.upper() if rng.random() < 0.4 else text.lower()


def augment(text: str, flagged: bool, operation: str, rng: random.Random) -> str:
    if operation == "obfuscation":
        return obfuscate(text, rng)
    if operation == "typos":
        return add_typos(text, rng)
    if operation == "emoji":
        return add_emoji(text, flagged, rng)
    if operation == "casing":
        return change_casing(text, rng)
    raise ValueError(f"unknown augmentation {operation!r}; choose from {', '.join(OPERATIONS)}")
