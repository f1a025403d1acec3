"""Opening input files with errors that say what to do, and peeking at their first bytes."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from threatdetect.io.records import InputError

#: How much of a file format detection and header checks look at.
HEAD_BYTES = 64 * 1024


def check_readable(path: Path) -> None:
    """Raise InputError unless `path` is an existing file or directory we may read."""
    if not path.exists():
        raise InputError(str(path), "file not found; check the path")


def open_binary(path: Path) -> BinaryIO:
    """`path` opened for binary reading; every OS error becomes an InputError naming the file."""
    check_readable(path)
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a file; name a file in it (or an X archive folder)")
    try:
        return path.open("rb")
    except PermissionError as error:
        raise InputError(str(path), "permission denied; check the file's permissions") from error
    except OSError as error:
        raise InputError(str(path), f"cannot open the file ({error.strerror or error})") from error


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first `size` bytes of the file."""
    with open_binary(path) as handle:
        try:
            return handle.read(size)
        except OSError as error:
            raise InputError(str(path), f"cannot read the file ({error.strerror or error})") from error
