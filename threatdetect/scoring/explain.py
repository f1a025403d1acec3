"""Find the parts of a message that drove its scores.

Two sources, both reported with character offsets in the raw text:
- lexicon: our trigger terms, matched on the normalised tokens (so `k*nker` or `d o o d` map back to
  the obfuscated raw characters);
- occlusion: each token is removed in turn and the message rescored; tokens whose removal lowers a
  label's score the most are the ones the model relied on.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

import numpy as np

from threatdetect.labels import LABELS
from threatdetect.normalize import NormalizedText
from threatdetect.scoring.results import Span
from threatdetect.triggers import TriggerLexicon

MAX_OCCLUSION_TOKENS = 80


def _joined(doc: NormalizedText) -> tuple[str, list[tuple[int, int]]]:
    """Lowercased tokens joined by spaces, with each token's offsets in that string."""
    parts, offsets, position = [], [], 0
    for token in doc.tokens:
        parts.append(token.lower)
        offsets.append((position, position + len(token.lower)))
        position += len(token.lower) + 1
    return " ".join(parts), offsets


def lexicon_spans(doc: NormalizedText, lexicon: TriggerLexicon, labels: Sequence[str] = LABELS) -> list[Span]:
    if not doc.tokens:
        return []
    joined, offsets = _joined(doc)
    # Token offsets only grow, so the tokens a hit covers are found by bisection: a long text has
    # thousands of hits and tens of thousands of tokens.
    starts, ends = [a for a, _ in offsets], [b for _, b in offsets]
    spans = []
    for hit in lexicon.hits(joined):
        if hit.label not in labels:
            continue
        covered = range(bisect.bisect_right(ends, hit.start), bisect.bisect_left(starts, hit.end))
        if not covered:
            continue
        start = min(doc.tokens[i].start for i in covered)
        end = max(doc.tokens[i].end for i in covered)
        if end > start:
            spans.append(Span(start, end, doc.raw[start:end], hit.label, "lexicon", hit.weight))
    return _dedupe(spans)


def occlusion_spans(
    doc: NormalizedText, predict: Callable[[list[str]], np.ndarray], top_k: int = 3, min_drop: float = 0.05
) -> list[Span]:
    """Remove each raw token span in turn; keep the tokens whose removal drops a score the most."""
    tokens = [t for t in doc.tokens if t.end > t.start][:MAX_OCCLUSION_TOKENS]
    if not tokens:
        return []
    raw = doc.raw
    variants = [raw[: t.start] + raw[t.end :] for t in tokens]
    scores = predict([raw, *variants])
    base, occluded = scores[0], scores[1:]
    drops = base[None, :] - occluded  # (n_tokens, n_labels)
    spans = []
    for column, label in enumerate(LABELS):
        chosen = [int(i) for i in np.argsort(-drops[:, column])[:top_k] if drops[i, column] >= min_drop]
        spans.extend(_merge_adjacent(raw, tokens, sorted(chosen), drops[:, column], label))
    return _dedupe(spans)


def _merge_adjacent(raw: str, tokens, indices: list[int], drops: np.ndarray, label: str) -> list[Span]:
    """Join chosen tokens separated only by whitespace into one span ('weet waar je woont')."""
    spans: list[Span] = []
    for index in indices:
        token, drop = tokens[index], float(drops[index])
        if spans and not raw[spans[-1].end : token.start].strip():
            last = spans[-1]
            merged = raw[last.start : token.end]
            spans[-1] = Span(last.start, token.end, merged, label, "occlusion", max(last.weight, drop))
        else:
            spans.append(Span(token.start, token.end, raw[token.start : token.end], label, "occlusion", drop))
    return spans


def _dedupe(spans: list[Span]) -> list[Span]:
    seen, unique = set(), []
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.label, -s.weight)):
        key = (span.start, span.end, span.label, span.source)
        if key not in seen:
            seen.add(key)
            unique.append(span)
    return unique
