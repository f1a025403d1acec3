"""Benchmark: messages per second of the normaliser against plain `spacy.blank("nl")` tokenisation.

Generates a fixed-seed mix of short Dutch social-media messages (mentions, URLs, emoji, obfuscation,
typos, chat abbreviations; 5-40 words), measures both in the same run and process, prints a markdown
table and writes `benchmarks/results/normalize.json`.

    python benchmarks/bench_normalize.py [--messages 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from pathlib import Path

import spacy

from threatdetect.normalize import Normalizer

RESULTS_PATH = Path(__file__).parent / "results" / "normalize.json"

# Building blocks of message shapes seen in replies to Dutch local politicians.
OPENERS = [
    "@wethouder_bakker",
    "@burgemeester",
    "Beste raadslid,",
    "Hoi Sanne,",
    "mevrouw de wethouder",
    "ff serieus",
    "gwn",
    "Kijk",
    "",
]
PHRASES = [
    "wanneer gaat de inspraakavond over de rotonde eigenlijk door",
    "ik vind dit echt een belachelijk voorstel van de gemeente",
    "de parkeervergunningen worden weer duurder in de binnestad",
    "kheb al drie keer gebeld maar niemand neemt op",
    "jullie luisteren nooit naar de inwoners van dit dorp",
    "ik m@@k je d o o d als ik je tegenkom",
    "je bent een k*nker h**r en dat weet je",
    "wij weten waar je woont, pas maar op",
    "jouw lantaarnpaal staat al klaar",
    "doooooood aan alle v3rr4d3rs",
    "wat een k-a-n-k-e-r beleid is dit",
    "hahahaha wat een clown",
    "top gedaan vanavond in de raad",
    "mss moet je ff nadenken voor je wat zegt",
    "de vergadering begint om 19:30 in het stadhuis",
    "het kost maar €4,50 per maand zegt ze",
    "bel me op 06-12345678 of mail naar info@gemeente.nl",
    "postcode 1234 AB klopt niet in jullie brief",
    "lees dit artikel https://www.nu.nl/politiek/123456/raad.html",
    "sws stem ik de volgende keer niet meer op jullie",
    "egt nie normaal wat hier gebeurt",
    "ik hoop dat je ligt te creperen",
    "zoals altijd weer niks geregeld",
    "#ikmaakjeaf #wethouderweg",
    "de sporthal gaat dicht en niemand zegt iets",
    "ga toch lekker terug naar je eigen land",
]
EMOJI = ["🔪", "🔫", "💣", "⚰️", "😡", "👍", "😂", "🤡", "🔥", "💀", "🙏", "❤️"]
CLOSERS = ["!!!!!", "??", "...", "!", "", "", "groetjes", "wrm doe je dit", "🔪🔪"]


def make_messages(count: int, seed: int = 13) -> list[str]:
    """`count` messages of 5-40 words assembled from the shapes above, reproducibly."""
    rng = random.Random(seed)
    messages = []
    for _ in range(count):
        words: list[str] = []
        opener = rng.choice(OPENERS)
        if opener:
            words.append(opener)
        target = rng.randint(5, 40)
        while len(words) < target:
            words.extend(rng.choice(PHRASES).split())
            if rng.random() < 0.3:
                words.append(rng.choice(EMOJI))
        words = words[:target]
        if rng.random() < 0.15:  # typo: drop a letter
            index = rng.randrange(len(words))
            if len(words[index]) > 3:
                cut = rng.randrange(len(words[index]))
                words[index] = words[index][:cut] + words[index][cut + 1 :]
        closer = rng.choice(CLOSERS)
        messages.append(" ".join(words) + (" " + closer if closer else ""))
    return messages


def _rate(run, messages: list[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run(messages)
        best = min(best, time.perf_counter() - started)
    return len(messages) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000, help="number of generated messages")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per system; the best counts")
    parser.add_argument("--batch-size", type=int, default=256, help="batch size for both pipe() calls")
    args = parser.parse_args()

    messages = make_messages(args.messages)
    nlp = spacy.blank("nl")
    normalizer = Normalizer()
    normalizer("warm-up 🔪 h44t")  # load resources outside the timing

    def baseline(texts: list[str]) -> None:
        for _ in nlp.pipe(texts, batch_size=args.batch_size):
            pass

    def ours(texts: list[str]) -> None:
        for _ in normalizer.pipe(texts, batch_size=args.batch_size):
            pass

    baseline_rate = _rate(baseline, messages, args.repeats)
    ours_rate = _rate(ours, messages, args.repeats)
    words = sum(len(message.split()) for message in messages) / len(messages)

    print(
        f"{len(messages)} messages, {words:.1f} words on average, best of {args.repeats} runs, one process\n"
    )
    print("| system | messages/s | relative to baseline |")
    print("|---|---:|---:|")
    print(f"| spacy.blank('nl') tokenizer (nlp.pipe) | {baseline_rate:,.0f} | 1.00 |")
    print(f"| threatdetect Normalizer.pipe | {ours_rate:,.0f} | {ours_rate / baseline_rate:.2f} |")

    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(
        json.dumps(
            {
                "messages": len(messages),
                "mean_words": round(words, 1),
                "repeats": args.repeats,
                "batch_size": args.batch_size,
                "baseline_messages_per_s": round(baseline_rate),
                "normalizer_messages_per_s": round(ours_rate),
                "ratio": round(ours_rate / baseline_rate, 3),
                "python": platform.python_version(),
                "spacy": spacy.__version__,
                "machine": platform.machine(),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
