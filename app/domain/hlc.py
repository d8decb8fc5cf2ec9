"""Hybrid logical clock (Kulkarni et al., 2014).

A timestamp is (wall milliseconds, logical counter, device id). It never goes backwards on one
device, and it orders causally related changes across devices even when their wall clocks
disagree. Encoded as a fixed-width string so that string order equals clock order, which lets
the database compare stamps without decoding them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock
from time import time

#: A remote stamp further ahead of our wall clock than this is clamped (device clock is wrong).
MAX_DRIFT_MS = 5 * 60 * 1000
#: The encoding has five counter digits; past this the counter carries into the wall time.
MAX_COUNTER = 99_999


@dataclass(frozen=True, order=True, slots=True)
class Timestamp:
    wall_ms: int
    counter: int
    device: str

    def encode(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.device}"

    @classmethod
    def decode(cls, text: str) -> Timestamp:
        wall, counter, device = text.split("-", 2)
        return cls(int(wall), int(counter), device)


def _stamp(wall_ms: int, counter: int, device: str) -> Timestamp:
    # A counter past five digits would break "string order == clock order"; moving one
    # millisecond ahead instead keeps the order and happens only after 100 000 events in a
    # millisecond (or while the wall clock stands behind the last stamp).
    if counter > MAX_COUNTER:
        return Timestamp(wall_ms + 1, 0, device)
    return Timestamp(wall_ms, counter, device)


class HybridLogicalClock:
    """Issues monotonic timestamps for one device. Safe to share between threads.

    Attributes:
        device: the device id used as the final tie-break.
        drift_flagged: set when a remote stamp was too far ahead and was clamped.
    """

    def __init__(
        self,
        device: str,
        last: Timestamp | None = None,
        wall: Callable[[], int] = lambda: int(time() * 1000),
    ) -> None:
        self.device = device
        self._wall = wall
        self._last = last or Timestamp(0, 0, device)
        self.drift_flagged = False
        # One clock serves every session of a Database, and the GUI's worker threads write
        # concurrently: without the lock two threads can read the same `_last` and issue
        # the same stamp.
        self._lock = Lock()

    @property
    def last(self) -> Timestamp:
        return self._last

    def now(self) -> Timestamp:
        """A stamp for a local event, strictly greater than every stamp seen so far."""
        with self._lock:
            return self._now()

    def _now(self) -> Timestamp:
        wall = self._wall()
        if wall > self._last.wall_ms:
            ts = Timestamp(wall, 0, self.device)
        else:
            ts = _stamp(self._last.wall_ms, self._last.counter + 1, self.device)
        self._last = ts
        return ts

    def observe(self, remote: Timestamp) -> Timestamp:
        """Merge a stamp received from another device; returns the new local stamp."""
        with self._lock:
            return self._observe(remote)

    def _observe(self, remote: Timestamp) -> Timestamp:
        wall = self._wall()
        remote_wall = remote.wall_ms
        if remote_wall > wall + MAX_DRIFT_MS:
            # Do not let one machine with a wrong clock drag every clock into the future.
            self.drift_flagged = True
            remote_wall = wall + MAX_DRIFT_MS
            remote = Timestamp(remote_wall, remote.counter, remote.device)
        top = max(wall, self._last.wall_ms, remote_wall)
        if top == self._last.wall_ms == remote_wall:
            counter = max(self._last.counter, remote.counter) + 1
        elif top == self._last.wall_ms:
            counter = self._last.counter + 1
        elif top == remote_wall:
            counter = remote.counter + 1
        else:
            counter = 0
        self._last = _stamp(top, counter, self.device)
        return self._last
