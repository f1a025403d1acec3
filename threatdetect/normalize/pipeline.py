"""The normaliser: raw Dutch social-media text in, normalised text and raw-anchored tokens out.

Data flow per message, in stages; each switchable step (a `NormalizerSettings` field, named in
backticks) runs in the stage listed, and each module's docstring names the same stage:

1. characters (`encoding`): `repair_encoding` repairs mojibake, invisible characters, NFKC and
   look-alike letters, keeping an offset map to the raw text;
2. special spans (`segmenter.Scanner`): spans that need their own tokens become them:
   `placeholders`, `segment_hashtags` (`hashtags`), `map_emoji` (`emoji_map`), punctuation runs
   (`squeeze_elongations`, `elongation`), disguised words (`deobfuscate`) and dotted abbreviations
   (`expand_abbreviations`, `abbreviations`);
3. tokens: the `spacy.blank("nl")` tokenizer (Dutch exceptions such as `zo'n`, `'s`, `bijv.`)
   tokenises everything else, in batches through `tokenizer.pipe` (`Normalizer.pipe`);
4. plain words: `expand_abbreviations` (`abbreviations`) and `squeeze_elongations` (`elongation`);
5. raw spans: every token is mapped back to the raw characters it came from.

We use spaCy's tokenizer directly instead of `nlp.pipe` with custom components: building a Doc and
retokenising it per message costs more than all our steps together, and the tokens we need are plain
records with raw offsets, not spaCy Tokens.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

import spacy
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

from threatdetect.normalize.alignment import AlignedText
from threatdetect.normalize.elongation import has_elongation, squeeze_word
from threatdetect.normalize.encoding import clean_characters, repair_token
from threatdetect.normalize.lexicon import Lexicon, load_lexicon
from threatdetect.normalize.resources import load_abbreviations
from threatdetect.normalize.result import NormalizedText, Token
from threatdetect.normalize.segmenter import Piece, Scanner, Special
from threatdetect.normalize.settings import NormalizerSettings

_TOKENIZER_LOCK = threading.Lock()
_MAX_EXTRA_PASSES = 3
# Characters the scanner's patterns react to: only tokens holding one need a scan of their own.
_RESCAN_HINT_RE = re.compile(r"[\d@$*#&.\-_·•!?€/:]|[^\x00-\x7f]")
_TOKENIZER: Tokenizer | None = None
# Chunks normalised alone that each Normalizer remembers (see `Normalizer._scan_alone`).
_ALONE_CACHE_SIZE = 65536


def _spacy_tokenizer() -> Tokenizer:
    """One shared `spacy.blank("nl")` tokenizer per process (creating it takes ~100 ms)."""
    global _TOKENIZER
    with _TOKENIZER_LOCK:
        if _TOKENIZER is None:
            _TOKENIZER = spacy.blank("nl").tokenizer
        return _TOKENIZER


class Normalizer:
    """Normalise Dutch social-media text; see `NormalizerSettings` for the steps.

    Example:
        >>> norm = Normalizer()
        >>> norm("Ik m@@k je d o o d 🔪 @wethouder").text
        'Ik maak je dood 🔪 mes @USER'

    Instances hold no per-call state (only a thread-safe cache of pure results), so one Normalizer
    can be shared between threads.
    """

    def __init__(self, settings: NormalizerSettings | None = None, lexicon: Lexicon | None = None) -> None:
        self.settings = settings if settings is not None else NormalizerSettings()
        if not isinstance(self.settings, NormalizerSettings):
            raise TypeError(f"settings must be a NormalizerSettings, got {type(self.settings).__name__}")
        self.lexicon = lexicon if lexicon is not None else load_lexicon()
        self._scanner = Scanner.build(self.settings, self.lexicon)
        self._abbreviations = load_abbreviations() if self.settings.expand_abbreviations else None
        self._tokenizer = _spacy_tokenizer()
        self._alone = lru_cache(maxsize=_ALONE_CACHE_SIZE)(self._scan_alone)

    def __repr__(self) -> str:
        return f"Normalizer({self.settings!r})"

    def __call__(self, text: str) -> NormalizedText:
        """Normalise one message."""
        text = _check_text(text)
        cleaned = clean_characters(text, self.lexicon, self.settings.repair_encoding)
        return self._finish(text, cleaned, self._tokenizer(cleaned.text))

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[NormalizedText]:
        """Normalise a stream of messages lazily, tokenising in batches of `batch_size`."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        iterator = iter(texts)
        while batch := list(islice(iterator, batch_size)):
            raws = [_check_text(text) for text in batch]
            cleaned = [clean_characters(raw, self.lexicon, self.settings.repair_encoding) for raw in raws]
            docs = self._tokenizer.pipe([item.text for item in cleaned], batch_size=batch_size)
            for raw, item, doc in zip(raws, cleaned, docs, strict=True):
                yield self._finish(raw, item, doc)

    def normalize_text(self, text: str) -> str:
        """The lowercased normalised text, what the linear model's features read.

        A shorthand for `self(text).lower`, not a faster route: the whole pipeline runs.
        """
        return self(text).lower

    # --- internals ---------------------------------------------------------------------------------

    def _finish(self, raw: str, cleaned: AlignedText, doc: Doc) -> NormalizedText:
        trace = [False]
        tokens = self._tokens(raw, cleaned, doc, trace)
        text = " ".join(token.text for token in tokens)
        # Disguise handling and split-off tokens depend on neighbouring characters, which the output
        # separates with spaces. In those (rare) messages we normalise the output again until it is
        # stable, so that normalising twice always equals normalising once.
        for _ in range(_MAX_EXTRA_PASSES):
            if not trace[0]:
                break
            trace[0] = False
            again = _realign(
                raw, text, tokens, clean_characters(text, self.lexicon, self.settings.repair_encoding)
            )
            new_tokens = self._tokens(raw, again, self._tokenizer(again.text), trace)
            new_text = " ".join(token.text for token in new_tokens)
            if new_text == text:
                break
            tokens, text = _inherit_sources(new_tokens, tokens), new_text
        return NormalizedText(raw=raw, text=text, lower=text.lower(), tokens=tokens)

    def _tokens(self, raw: str, cleaned: AlignedText, doc: Doc, trace: list[bool]) -> tuple[Token, ...]:
        pieces = self._pieces(cleaned.text, doc, trace)
        if self.settings.map_emoji:
            pieces = _drop_repeated_emoji_words(pieces)
        if self.settings.repair_encoding and not cleaned.text.isascii():
            pieces = self._repair_pieces(pieces, trace)
        return self._to_tokens(raw, cleaned, pieces)

    def _pieces(self, text: str, doc: Doc, trace: list[bool]) -> list[Piece]:
        specials = self._scanner.scan(text, trace)
        settings = self.settings
        # Message-level checks so that most words skip the per-word steps entirely.
        squeeze = settings.squeeze_elongations and has_elongation(text)
        abbreviations = self._abbreviations
        pieces: list[Piece] = []
        spans = _overlay(_spacy_spans(doc), specials, pieces)
        for index, (start, end, cut) in enumerate(spans):
            if cut:
                pieces += self._cut_remainder(text, start, end, trace)
                continue
            word = text[start:end]
            if _RESCAN_HINT_RE.search(word) is not None and _glued(spans, index):
                # spaCy split this token off a longer chunk (`$` | `D00D`); in the output it stands
                # alone, so it is scanned alone, as a second pass would.
                pieces += self._glued_token(text, start, end, trace)
                continue
            parts = _unstable_token_parts(word)
            if parts is not None:
                for part_start, part_end in parts:
                    pieces += self._cut_remainder(text, start + part_start, start + part_end, trace)
            elif squeeze or (abbreviations is not None and _is_abbreviation(word, abbreviations)):
                pieces += self._word(word, start, end)
            else:
                pieces.append(Piece(word, start, end, "plain"))
        if specials:
            pieces.sort(key=lambda piece: piece.start)
        return pieces

    def _glued_token(self, text: str, start: int, end: int, trace: list[bool]) -> list[Piece]:
        """A token spaCy split off its neighbour (`markt` | `...`), scanned alone as in the output.

        Most are punctuation that stays what it is (`...`, `!`, `,`): then the output reads the
        same to a second pass, and the message needs none on its account. Only a token that changes
        when scanned alone (`$` | `D00D`) asks for one.
        """
        pieces, traced = self._scanned_alone(text, start, end)
        if traced or pieces != [(text[start:end], start, end, "plain")]:
            trace[0] = True
        return pieces

    def _scanned_alone(self, text: str, start: int, end: int) -> tuple[list[Piece], bool]:
        """`text[start:end]` normalised as a message of its own (`_scan_alone`), placed at `start`."""
        pieces, traced = self._alone(text[start:end])
        return [piece._replace(start=start + piece.start, end=start + piece.end) for piece in pieces], traced

    def _scan_alone(self, chunk: str) -> tuple[tuple[Piece, ...], bool]:
        """The pieces of `chunk` normalised as a message of its own (offsets within `chunk`), and
        whether that scan asks for a second pass. Cached per instance in `self._alone`: it depends
        only on the chunk and the settings, and the same few chunks (`...`, `?!`, `8u`) recur."""
        trace = [False]
        return tuple(self._pieces(chunk, self._tokenizer(chunk), trace)), trace[0]

    def _cut_remainder(self, text: str, start: int, end: int, trace: list[bool]) -> list[Piece]:
        """Normalise the part of a spaCy token that a special span cut off (`D00D` in `€0D00D`).

        In the output that part becomes a chunk of its own, so it is scanned and tokenised as one;
        otherwise a second pass would see it differently and normalisation would not be idempotent.
        """
        trace[0] = True
        return self._scanned_alone(text, start, end)[0]

    def _repair_pieces(self, pieces: list[Piece], trace: list[bool]) -> list[Piece]:
        """Give every finished token a last mojibake check on its own (see `encoding.repair_token`).

        A token that changes is normalised again as a message of its own, all its tokens keeping the
        original raw span, so that a second pass has nothing left to do.
        """
        result: list[Piece] = []
        for piece in pieces:
            text = piece.text
            repaired = text if text.isascii() else repair_token(text)
            if repaired == text:
                result.append(piece)
                continue
            trace[0] = True
            cleaned = clean_characters(repaired, self.lexicon, repair=True).text
            for part in self._alone(cleaned)[0]:
                source = "repaired" if part.source == "plain" else part.source
                result.append(Piece(part.text, piece.start, piece.end, source))
        return result

    def _word(self, word: str, start: int, end: int) -> list[Piece]:
        """Abbreviation expansion and elongation squeezing for a plain word."""
        source = "plain"
        if self.settings.squeeze_elongations and has_elongation(word):
            squeezed = squeeze_word(word, self.lexicon)
            if squeezed != word:
                word, source = squeezed, "squeezed"
        return self._scanner.word_pieces(word, start, end, source)

    def _to_tokens(self, raw: str, cleaned: AlignedText, pieces: list[Piece]) -> tuple[Token, ...]:
        if cleaned.starts is None:
            return tuple(Token(text, text.lower(), start, end, source) for text, start, end, source in pieces)
        tokens = []
        for text, start, end, source in pieces:
            raw_start, raw_end = cleaned.raw_span(start, end)
            if source == "plain" and raw[raw_start:raw_end] != text:
                source = "repaired"
            tokens.append(Token(text, text.lower(), raw_start, raw_end, source))
        return tuple(tokens)


@lru_cache(maxsize=131072)
def _unstable_token_parts(word: str) -> tuple[tuple[int, int], ...] | None:
    """None when spaCy tokenises `word` on its own as one token; else the parts it splits it into.

    spaCy's infix rules depend on context (`0:©0` gives `0:` but `0:` alone gives `0` `:`), so a token
    is only safe to emit when it survives being tokenised alone, as it will be in a second pass.
    Cached: almost every token is a common word that is checked once per process.
    """
    spans = _spacy_spans(_spacy_tokenizer()(word))
    if len(spans) == 1 and spans[0] == (0, len(word)):
        return None
    return tuple(spans)


def _realign(raw: str, text: str, tokens: tuple[Token, ...], cleaned: AlignedText) -> AlignedText:
    """Offsets for normalising the output `text` again: each character points at its token's raw span."""
    starts: list[int] = []
    ends: list[int] = []
    for index, token in enumerate(tokens):
        if index:
            starts.append(token.start)
            ends.append(token.start)
        starts.extend([token.start] * len(token.text))
        ends.extend([token.end] * len(token.text))
    if cleaned.starts is None or cleaned.ends is None:
        return AlignedText(cleaned.text, len(raw), starts, ends)
    return AlignedText(
        cleaned.text,
        len(raw),
        [starts[position] for position in cleaned.starts],
        [ends[position - 1] if position else 0 for position in cleaned.ends],
    )


def _inherit_sources(tokens: tuple[Token, ...], previous: tuple[Token, ...]) -> tuple[Token, ...]:
    """Keep the first pass's source (e.g. 'deobfuscated') for tokens that a later pass saw as plain."""
    sources = {(token.start, token.end): token.source for token in previous}
    return tuple(
        token._replace(source=sources.get((token.start, token.end), token.source))
        if token.source in ("plain", "repaired")
        else token
        for token in tokens
    )


def _is_abbreviation(word: str, abbreviations: dict[str, tuple[str, ...]]) -> bool:
    lower = word.lower()
    return lower in abbreviations or ("." in lower and lower.replace(".", "") in abbreviations)


def _glued(spans: list[tuple[int, int, bool]], index: int) -> bool:
    """True when the span touches its neighbour without whitespace in between."""
    start, end, _ = spans[index]
    return (index > 0 and spans[index - 1][1] == start) or (
        index + 1 < len(spans) and spans[index + 1][0] == end
    )


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"the normaliser takes str, got {type(text).__name__}")
    return text


def _spacy_spans(doc: Doc) -> list[tuple[int, int]]:
    return [(token.idx, token.idx + len(token)) for token in doc if not token.is_space]


def _overlay(
    spans: list[tuple[int, int]], specials: list[Special], out: list[Piece]
) -> list[tuple[int, int, bool]]:
    """Cut spaCy token spans around the special spans; special pieces go straight into `out`.

    Returns the plain (start, end, was_cut) spans left over. A spaCy token partly covered by a special
    span (e.g. `www.x.nl.` where the URL ends before the dot) keeps its uncovered part, marked as cut.
    """
    if not specials:
        return [(start, end, False) for start, end in spans]
    for special in specials:
        out.extend(special.pieces)
    plain: list[tuple[int, int, bool]] = []
    index, count = 0, len(specials)
    for start, end in spans:
        while index < count and specials[index].end <= start:
            index += 1
        position = start
        probe = index
        while probe < count and specials[probe].start < end:
            special_start, special_end = specials[probe].start, specials[probe].end
            if special_start > position:
                plain.append((position, special_start, True))
            position = max(position, special_end)
            if special_end > end:
                break
            probe += 1
        if position < end:
            plain.append((position, end, position != start))
    return plain


def _drop_repeated_emoji_words(pieces: list[Piece]) -> list[Piece]:
    """Skip emoji words that the writer (or an earlier normalisation) already put right after the emoji.

    `🔪 mes` stays `🔪 mes` instead of becoming `🔪 mes mes`, which keeps normalisation idempotent.
    """
    if not any(piece.source == "emoji" for piece in pieces):
        return pieces
    result: list[Piece] = []
    index, count = 0, len(pieces)
    while index < count:
        piece = pieces[index]
        if piece.source != "emoji":
            result.append(piece)
            index += 1
            continue
        group_end = index
        while (
            group_end < count
            and pieces[group_end].source == "emoji"
            and pieces[group_end].start == piece.start
        ):
            group_end += 1
        words = [item.text.lower() for item in pieces[index:group_end]]
        following = [item.text.lower() for item in pieces[group_end : group_end + len(words)]]
        if following != words:
            result.extend(pieces[index:group_end])
        index = group_end
    return result
