"""Stage 2 (`segment_hashtags`): hashtags keep their words (`#ikmaakjeaf` -> `ik maak je af`).

Threats often hide in hashtags, so the words matter more than the tag. CamelCase tags are split at the
capitals first; otherwise the lexicon's dynamic-programming split is used. A tag that cannot be split
into lexicon words stays one token, `#` included.
"""

from __future__ import annotations

import re

from threatdetect.normalize.lexicon import Lexicon

_CAMEL_RE = re.compile(r"[A-Z][a-z]+|[a-z]+|[A-Z]+(?![a-z])|\d+")
_PART_RE = re.compile(r"[^_]+")


def split_hashtag(body: str, lexicon: Lexicon) -> list[tuple[int, int]] | None:
    """Spans (relative to `body`) of the words of a hashtag body, or None when it cannot be split.

    Underscores separate parts (`#ik_maak_je_af`); each part is split on its own.
    """
    spans: list[tuple[int, int]] = []
    for part in _PART_RE.finditer(body):
        part_spans = _split_part(part.group(), lexicon)
        if part_spans is None:
            return None
        spans += [(part.start() + start, part.start() + end) for start, end in part_spans]
    return spans or None


def _split_part(body: str, lexicon: Lexicon) -> list[tuple[int, int]] | None:
    camel = [(m.start(), m.end()) for m in _CAMEL_RE.finditer(body)]
    covered = sum(end - start for start, end in camel)
    if (
        len(camel) > 1
        and covered == len(body)
        and all(body[start:end].lower() in lexicon for start, end in camel)
    ):
        return camel
    if body.lower() in lexicon:
        return [(0, len(body))]
    words = lexicon.segment(body.lower())
    if words is None:
        return None
    spans, cursor = [], 0
    for word in words:
        spans.append((cursor, cursor + len(word)))
        cursor += len(word)
    return spans
