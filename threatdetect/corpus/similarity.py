"""Near-duplicate detection with character 5-gram Jaccard similarity.

Why 5-grams and 0.6: written variants of one message ("ik schiet je neer" / "ik schiet jou neer
hoor") share most 5-grams, while different messages that share a threat word share few. Pairs above
0.6 read as the same message; `build` groups at a lower bar (0.5) so the leakage check at 0.6 has a
margin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

SHINGLE = 5
LEAKAGE_THRESHOLD = 0.6
GROUPING_THRESHOLD = 0.5
_SPACES = re.compile(r"\s+")


def shingle_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    """Binary (n, n_shingles) matrix of lowercased, space-collapsed character 5-grams."""
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, text in enumerate(texts):
        clean = _SPACES.sub(" ", text.lower()).strip()
        grams = {clean[i : i + SHINGLE] for i in range(max(len(clean) - SHINGLE + 1, 1))}
        for gram in grams:
            rows.append(row)
            cols.append(vocabulary.setdefault(gram, len(vocabulary)))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), max(len(vocabulary), 1)))


def similar_pairs(
    left: Sequence[str],
    right: Sequence[str] | None = None,
    threshold: float = LEAKAGE_THRESHOLD,
    block: int = 1024,
) -> Iterator[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) above `threshold`; within `left` when `right` is None (i < j)."""
    same = right is None
    texts = list(left) + ([] if same else list(right))
    matrix = shingle_matrix(texts)
    a, b = matrix[: len(left)], matrix if same else matrix[len(left) :]
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    bt = b.T.tocsc()
    for start in range(0, a.shape[0], block):
        inter = (a[start : start + block] @ bt).tocoo()
        i, j, shared = inter.row + start, inter.col, inter.data
        union = size_a[i] + size_b[j] - shared
        jaccard = shared / np.maximum(union, 1)
        keep = jaccard > threshold
        if same:
            keep &= i < j
        for x, y, value in zip(i[keep], j[keep], jaccard[keep], strict=True):
            yield int(x), int(y), float(value)


def cluster(texts: Sequence[str], threshold: float = GROUPING_THRESHOLD) -> list[int]:
    """Connected components of the near-duplicate graph; returns a cluster id per text.

    The id of a cluster is its smallest member index, so ids are stable for a given input order.
    """
    pairs = list(similar_pairs(texts, threshold=threshold))
    n = len(texts)
    rows = [i for i, _, _ in pairs]
    cols = [j for _, j, _ in pairs]
    graph = sp.coo_matrix((np.ones(len(pairs), dtype=np.int8), (rows, cols)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    first_member: dict[int, int] = {}
    for index, label in enumerate(component.tolist()):
        first_member.setdefault(label, index)
    return [first_member[label] for label in component.tolist()]


#: Word-level bar for paraphrases: the same words in another order or with one word swapped.
PARAPHRASE_WORD_JACCARD = 0.6
PARAPHRASE_CHAR_JACCARD = 0.4
_WORDS = re.compile(r"\w+")


def _word_sets(texts: Sequence[str]) -> sp.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, text in enumerate(texts):
        for word in set(_WORDS.findall(text.lower())):
            rows.append(row)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
    data = np.ones(len(rows), dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), max(len(vocabulary), 1)))


def paraphrase_pairs(left: Sequence[str], right: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs that read as one message written twice: close in characters or in words.

    Character 5-grams above 0.4 catch respellings; word sets above 0.6 (messages of four words or
    more) catch reordering and a swapped name or role, which 5-grams miss.
    """
    pairs = {(i, j) for i, j, _ in similar_pairs(left, right, threshold=PARAPHRASE_CHAR_JACCARD)}
    words = _word_sets(list(left) + list(right))
    a, b = words[: len(left)], words[len(left) :]
    size_a = np.asarray(a.sum(axis=1)).ravel()
    size_b = np.asarray(b.sum(axis=1)).ravel()
    inter = (a @ b.T).tocoo()
    union = size_a[inter.row] + size_b[inter.col] - inter.data
    keep = (inter.data / np.maximum(union, 1) > PARAPHRASE_WORD_JACCARD) & (size_a[inter.row] >= 4)
    pairs.update(zip(inter.row[keep].tolist(), inter.col[keep].tolist(), strict=True))
    return sorted(pairs)
