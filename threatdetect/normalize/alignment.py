"""Character offsets from cleaned text back to the raw text.

Encoding repair, NFKC and invisible-character removal change the text before tokenisation, yet every
token must point at its evidence in the raw input. `AlignedText` keeps, for each cleaned character, the
raw span it came from; edits are applied as (start, end, replacement) triples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(slots=True)
class AlignedText:
    """Cleaned text plus, per character, its raw span. `starts is None` means "identical to raw"."""

    text: str
    raw_length: int
    starts: list[int] | None = None
    ends: list[int] | None = None

    @classmethod
    def identity(cls, text: str) -> AlignedText:
        return cls(text, len(text))

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span of cleaned characters `start:end` (end exclusive)."""
        if self.starts is None or self.ends is None:
            return start, end
        if end > start:
            return self.starts[start], self.ends[end - 1]
        position = self.starts[start] if start < len(self.starts) else self.raw_length
        return position, position

    def _offsets(self) -> tuple[list[int], list[int]]:
        if self.starts is None or self.ends is None:
            positions = list(range(len(self.text)))
            return positions, [position + 1 for position in positions]
        return self.starts, self.ends

    def apply(self, edits: Iterable[tuple[int, int, str]]) -> AlignedText:
        """Replace `text[start:end]` by new strings (edits sorted, not overlapping), keeping offsets.

        Same-length replacements map character by character. Otherwise the common prefix and suffix keep
        their own offsets and the changed middle maps to the whole raw span of the old middle, which is
        as precise as a length-changing repair allows.
        """
        starts, ends = self._offsets()
        text = self.text
        pieces: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        cursor = 0
        for start, end, new in edits:
            pieces.append(text[cursor:start])
            new_starts.extend(starts[cursor:start])
            new_ends.extend(ends[cursor:start])
            old = text[start:end]
            pieces.append(new)
            if len(new) == len(old):
                new_starts.extend(starts[start:end])
                new_ends.extend(ends[start:end])
            elif new:
                prefix = 0
                limit = min(len(old), len(new))
                while prefix < limit and old[prefix] == new[prefix]:
                    prefix += 1
                suffix = 0
                while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
                    suffix += 1
                new_starts.extend(starts[start : start + prefix])
                new_ends.extend(ends[start : start + prefix])
                middle_new = len(new) - prefix - suffix
                if middle_new:
                    old_middle_start, old_middle_end = start + prefix, end - suffix
                    if old_middle_end > old_middle_start:
                        span = (starts[old_middle_start], ends[old_middle_end - 1])
                    else:  # pure insertion: attach to the neighbouring character
                        anchor = min(old_middle_start, end - 1)
                        span = (starts[anchor], ends[anchor])
                    new_starts.extend([span[0]] * middle_new)
                    new_ends.extend([span[1]] * middle_new)
                new_starts.extend(starts[end - suffix : end])
                new_ends.extend(ends[end - suffix : end])
            cursor = end
        pieces.append(text[cursor:])
        new_starts.extend(starts[cursor:])
        new_ends.extend(ends[cursor:])
        return AlignedText("".join(pieces), self.raw_length, new_starts, new_ends)
