"""Stage 2 (`placeholders`): URLs, @mentions, e-mail addresses and phone numbers become placeholders.

The identity of a link or account says nothing about a threat but everything about a person, and
phone numbers in a message are a doxxing signal that models should see as one symbol (`TELEFOON`).
The raw span still points at the original, so reports can show it to the people who need it.
"""

from __future__ import annotations

URL_TOKEN = "URL"
USER_TOKEN = "@USER"
EMAIL_TOKEN = "EMAIL"
PHONE_TOKEN = "TELEFOON"

_TLDS = "nl|be|com|org|net|eu|frl|info|io|tv|me|ly|co|amsterdam|brussels|vlaanderen|gent|de|fr|uk"
URL_PATTERN = (
    r"(?:https?://|www\.)[^\s<>\"']+"
    rf"|(?<![\w@.\-])(?:[a-zA-Z0-9-]+\.)+(?:{_TLDS})(?:/[^\s<>\"']*)?(?![\w.\-@])"
)
EMAIL_PATTERN = r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-zA-Z]{2,}(?![\w\-])"
MENTION_PATTERN = r"(?<![\w@])@\w+"
# Dutch (0xx-xxxxxxx, 06-xxxxxxxx, +31 6 ...) and Belgian (0x xxx xx xx, 04xx/xx.xx.xx, +32 ...) numbers:
# 9 or 10 digits after the trunk 0 / country code, with single spaces, dots, dashes or slashes between.
PHONE_PATTERN = (
    r"(?<![\w+])(?:"
    r"(?:\+|00)3[12][ .\-]?(?:\(0\)[ .\-]?)?[1-9](?:[ .\-]?\d){7,8}"
    r"|\(0\d{1,3}\)[ .\-]?\d(?:[ .\-]?\d){5,7}"
    r"|0[1-9](?:[ ./\-]?\d){7,8}"
    r")(?![\w])"
)
# Numbers that must stay one untouched token: amounts, times, dates, versions, postcodes.
PROTECTED_PATTERN = (
    r"€ ?\d+(?:[.,]\d+)*(?:,-)?(?![\w])"
    r"|(?<![\w.])[1-9]\d{3} ?[A-Z]{2}(?![\w])"
    r"|(?<![\w.])v?\d+(?:[.,:/\-]\d+)+(?![\w])"
)
_URL_TRAILING = ".,!?;:)]}'\""


def url_end(text: str, start: int, end: int) -> int:
    """End of a URL match without trailing sentence punctuation (`zie www.x.nl.` keeps the dot out)."""
    while end > start + 1 and text[end - 1] in _URL_TRAILING:
        if text[end - 1] == ")" and "(" in text[start:end]:
            break
        end -= 1
    return end
