"""A reading process's chunks kept on disk until the rebuild folds them, not in memory.

The rebuild reads the stream's ranges in parallel processes but folds them in stream order, so
the later ranges' chunks arrive long before they are wanted. Held in the parent they were the
whole stream at once (3.1 GiB at 1,000,000 audits); spooled they cost the parent one chunk.
Usage: the receiving thread ``append``s a chunk's bytes and passes on the (offset, length) it
gets; the folding loop ``take``s them back in that order."""

from __future__ import annotations

import os
import tempfile


class Spool:
    """An unnamed temporary file a chunk at a time: appended by one thread, read by another
    (positioned reads and writes, so the two never share a file position)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="ward5s-rebuild-")  # noqa: SIM115
        self._end = 0

    def append(self, chunk: bytes) -> tuple[int, int]:
        """Write ``chunk`` after the others; where it is (offset, length in bytes)."""
        offset = self._end
        written = 0
        while written < len(chunk):
            written += os.pwrite(self._file.fileno(), chunk[written:], offset + written)
        self._end += len(chunk)
        return offset, len(chunk)

    def take(self, where: tuple[int, int]) -> bytes:
        """The chunk written at ``where`` (as :meth:`append` gave it)."""
        offset, length = where
        parts, read = [], 0
        while read < length:
            part = os.pread(self._file.fileno(), length - read, offset + read)
            if not part:
                raise EOFError("the spool ended before the chunk")
            parts.append(part)
            read += len(part)
        return b"".join(parts)

    def close(self) -> None:
        self._file.close()
