"""A Bloom filter: which items may have been added, in a fixed size (pure, no I/O).

A rebuild writes what it has folded out in chunks and keeps only this of it: an item the filter
has not seen was certainly never added, so the written rows need asking only about the few it
may hold (an event copied, an audit amended, or a false positive: with the default size, about
one in 1,100 after a million items, one in 15 after ten million). The parent's memory stays the
same however long the stream.

Two positions per item, from the two halves of Python's ``hash`` (64 bits, randomised per
process: a filter is only ever asked in the process that filled it); two are far cheaper to set
and test than the four that would make it the most exact, and a false positive costs only a
look-up.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

#: 2**26 bits (8 MiB).
BITS = 26


class BloomFilter:
    """A set of hashable items that answers "perhaps" or "certainly not"."""

    def __init__(self, bits: int | None = None) -> None:
        """``bits``: the filter holds 2**bits of them (by default :data:`BITS`)."""
        bits = bits or BITS
        self._mask = (1 << bits) - 1
        self._bits = bytearray(1 << (bits - 3))

    def add_all(self, items: Iterable[Hashable]) -> None:
        bits, mask = self._bits, self._mask
        for item in items:
            h = hash(item)
            p, q = h & mask, (h >> 32) & mask
            bits[p >> 3] |= 1 << (p & 7)
            bits[q >> 3] |= 1 << (q & 7)

    def may_hold(self, item: Hashable) -> bool:
        """False: ``item`` was certainly never added; True: it may have been."""
        bits, mask = self._bits, self._mask
        h = hash(item)
        p, q = h & mask, (h >> 32) & mask
        return bool(bits[p >> 3] & (1 << (p & 7))) and bool(bits[q >> 3] & (1 << (q & 7)))
