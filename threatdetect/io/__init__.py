"""Reading message dumps and writing scored results.

`read_messages(path)` streams `Message` and `Rejected` records from any supported export;
writers turn scored records into JSON Lines or CSV.
"""

from threatdetect.io.records import InputError, Message, Rejected

__all__ = ["InputError", "Message", "Rejected"]
