"""A least-recently-used map bounded in bytes, the one cache structure of the application.

>>> kept = ByteLRU[str, bytes](max_bytes=10, max_entry_bytes=10)
>>> kept.put("a", b"12345", size=5); kept.put("b", b"12345", size=5); kept.put("c", b"1", size=1)
>>> kept.get("a") is None, kept.get("b"), kept.used
(True, b'12345', 6)
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ByteLRU(Generic[K, V]):
    """Entries dropped oldest-used first once their sizes pass ``max_bytes``.

    An entry larger than ``max_entry_bytes`` (by default a sixteenth of the budget) is not
    kept: one huge answer would otherwise push out many small ones.
    """

    def __init__(self, *, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // 16 if max_entry_bytes is None else max_entry_bytes
        self.used = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def get(self, key: K) -> V | None:
        """The value kept under ``key``, now the most recently used; None when none is."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, *, size: int) -> None:
        """Keep ``value`` (of ``size`` bytes, its key included) unless it is too large."""
        if size > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.used -= old[1]
        self._entries[key] = (value, size)
        self.used += size
        while self.used > self.max_bytes:
            _key, (_value, dropped) = self._entries.popitem(last=False)
            self.used -= dropped

    def clear(self) -> None:
        """Forget every entry."""
        self._entries.clear()
        self.used = 0
