"""The service's limits and batching knobs, validated once when the app is built."""

from __future__ import annotations

from dataclasses import dataclass

#: Messages one request may carry (`--max-batch`).
DEFAULT_MAX_BATCH = 256
#: Characters one message text may have (`--max-chars`); longer posts are rare on social media.
DEFAULT_MAX_CHARS = 10_000
#: How long the batcher waits for more requests after the first one arrives (`--batch-wait-ms`).
DEFAULT_BATCH_WAIT_MS = 5.0
#: Messages one model call may take from the queued requests (`--batch-max-messages`).
DEFAULT_BATCH_MAX_MESSAGES = 256
#: Bytes per character a JSON body may need: `\uXXXX` escapes of non-ASCII characters take six.
_BYTES_PER_CHAR = 6
_BODY_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class ServiceSettings:
    """Request limits (answered with 413 or 422) and how requests are gathered into model calls."""

    max_batch: int = DEFAULT_MAX_BATCH
    max_chars: int = DEFAULT_MAX_CHARS
    #: Largest request body in bytes; None: room for `max_batch` texts of `max_chars` characters.
    max_body_bytes: int | None = None
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS
    batch_max_messages: int = DEFAULT_BATCH_MAX_MESSAGES

    def __post_init__(self) -> None:
        counts = {
            "max_batch": self.max_batch,
            "max_chars": self.max_chars,
            "batch_max_messages": self.batch_max_messages,
        }
        for name, value in counts.items():
            if value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.max_body_bytes is not None and self.max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes must be at least 1024, got {self.max_body_bytes}")
        if not 0 <= self.batch_wait_ms <= 1000:
            raise ValueError(f"batch_wait_ms must be between 0 and 1000, got {self.batch_wait_ms}")

    @property
    def body_limit(self) -> int:
        """The request body limit in bytes (explicit, or derived from the message limits)."""
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return self.max_batch * self.max_chars * _BYTES_PER_CHAR + _BODY_OVERHEAD
