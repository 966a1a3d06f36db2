"""Source files: their text and the name they are reported under, read from disk (or given,
for uploads) with the checks made before parsing. Pure: no ORM, so import workers read the
files they parse.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from posts.importers.parser import ParseError

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Source:
    """One file and the name it is reported under. `text` None: a file on disk not read yet
    (it is read where it is parsed: in a worker process for a large import)."""

    path: str
    text: str | None = None

    @property
    def content_hash(self) -> str:
        """The hash the parser stores (ParsedFile.content_hash); the text must be read."""
        if self.text is None:
            raise ValueError(f"{self.path} has not been read")
        return hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()

    def read(self) -> Source | str:
        """This source with its text, read from disk if not given; or why it cannot be."""
        if self.text is not None:
            return self
        try:
            return read_source(self.path)
        except ParseError as error:
            return error.reason
        except OSError as error:
            return f"cannot be read ({error.strerror})"


def read_source(path: Path | str) -> Source:
    """Read one file as UTF-8 text, refusing links, oversized and binary files before parsing."""
    name = str(path)
    status = os.lstat(name)
    if stat.S_ISLNK(status.st_mode):
        raise ParseError(name, "is a symbolic link; import the file it points to")
    if status.st_size > MAX_FILE_BYTES:
        size = status.st_size
        raise ParseError(name, f"is {size} bytes, over the {MAX_FILE_BYTES} byte limit")
    with open(name, "rb") as file:
        return decode_source(name, file.read())


def decode_source(name: str, data: bytes) -> Source:
    """Bytes of a file (from disk or an upload) as UTF-8 text; binary or other encodings refused."""
    if b"\x00" in data:
        raise ParseError(name, "contains NUL bytes (a binary file?)")
    try:
        return Source(name, data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ParseError(name, f"is not UTF-8 text (byte {error.start})") from error
