"""Reading a stream up to a cap: keep the first `cap` bytes, drain (and drop) the rest so the
program is never blocked on a full pipe."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass
class Capped:
    cap: int
    data: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def feed(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if len(chunk) > room:
            self.truncated = True
        if room > 0:
            self.data += chunk[:room]

    def drain(self, stream: BinaryIO) -> None:
        for chunk in iter(lambda: stream.read(65536), b""):
            self.feed(chunk)

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")
