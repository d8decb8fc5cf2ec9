"""Hybrid logical clock: monotonic on one device, causal across devices, bounded drift."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.hlc import MAX_DRIFT_MS, HybridLogicalClock, Timestamp

CI = settings(max_examples=80, deadline=None)

devices = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
timestamps = st.builds(
    Timestamp,
    wall_ms=st.integers(min_value=0, max_value=9_999_999_999_999),
    counter=st.integers(min_value=0, max_value=99_999),
    device=devices,
)


class FakeWall:
    """A wall clock the test moves by hand (forwards or backwards)."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def clock(
    device: str = "aa", at: int = 1_000_000, last: Timestamp | None = None
) -> tuple[HybridLogicalClock, FakeWall]:
    wall = FakeWall(at)
    return HybridLogicalClock(device, last, wall=wall), wall


# --- one device ---------------------------------------------------------------------------


def test_now_follows_the_wall_clock_when_it_moves_forward() -> None:
    hlc, wall = clock()
    assert hlc.now() == Timestamp(1_000_000, 0, "aa")
    wall.ms = 1_000_500
    assert hlc.now() == Timestamp(1_000_500, 0, "aa")


def test_same_millisecond_increments_the_counter() -> None:
    hlc, _ = clock()
    stamps = [hlc.now() for _ in range(3)]
    assert [s.counter for s in stamps] == [0, 1, 2]
    assert {s.wall_ms for s in stamps} == {1_000_000}


def test_wall_clock_going_backwards_never_moves_the_clock_back() -> None:
    hlc, wall = clock()
    first = hlc.now()
    wall.ms -= 60_000  # NTP correction, or the user set the time back
    second = hlc.now()
    third = hlc.now()
    assert first < second < third
    assert second.wall_ms == first.wall_ms
    wall.ms = first.wall_ms + 1  # the wall clock catches up: counter resets
    assert hlc.now() == Timestamp(first.wall_ms + 1, 0, "aa")


@CI
@given(st.lists(st.integers(min_value=-10_000, max_value=10_000), min_size=1, max_size=60))
def test_monotonic_under_any_wall_clock(steps: list[int]) -> None:
    hlc, wall = clock(at=10_000_000)
    previous = hlc.now()
    for step in steps:
        wall.ms += step
        current = hlc.now()
        assert current > previous
        assert current.encode() > previous.encode()
        previous = current


def test_counter_overflow_carries_into_the_wall_so_string_order_holds() -> None:
    # A wall clock stuck for longer than 100 000 events (set back by an hour, say) must not
    # grow the counter past its five digits, or string order stops matching clock order.
    hlc, _ = clock(last=Timestamp(1_000_000, 99_998, "aa"), at=0)
    stamps = [hlc.now() for _ in range(4)]
    encoded = [s.encode() for s in stamps]
    assert stamps == sorted(stamps)
    assert encoded == sorted(encoded)
    assert len(set(encoded)) == 4
    assert all(s.counter <= 99_999 for s in stamps)
    assert all(len(e.split("-")[1]) == 5 for e in encoded)


def test_restart_from_persisted_stamp_never_goes_back() -> None:
    hlc, _ = clock(at=5_000_000)
    for _ in range(5):
        hlc.now()
    persisted = hlc.last.encode()
    # The app restarts on a machine whose clock is now ten minutes behind.
    restarted, _ = clock(at=5_000_000 - 600_000, last=Timestamp.decode(persisted))
    after = restarted.now()
    assert after > Timestamp.decode(persisted)
    assert after.encode() > persisted
    assert restarted.last == after


def test_fresh_clock_starts_at_the_wall_clock() -> None:
    hlc, _ = clock(device="dev1", at=42)
    assert hlc.last == Timestamp(0, 0, "dev1")
    assert hlc.now() == Timestamp(42, 0, "dev1")
    assert hlc.drift_flagged is False


def test_default_wall_clock_is_real_time_in_milliseconds() -> None:
    import time

    before = int(time.time() * 1000)
    stamp = HybridLogicalClock("aa").now()
    after = int(time.time() * 1000)
    assert before <= stamp.wall_ms <= after


# --- across devices -----------------------------------------------------------------------


def test_observe_remote_ahead_adopts_its_wall_and_bumps_its_counter() -> None:
    hlc, _ = clock(at=1_000_000)
    hlc.now()
    remote = Timestamp(1_002_000, 7, "bb")
    merged = hlc.observe(remote)
    assert merged == Timestamp(1_002_000, 8, "aa")
    assert merged > remote
    assert hlc.now() > merged  # later local events stay after the remote one
    assert hlc.drift_flagged is False


def test_observe_remote_behind_keeps_local_time() -> None:
    hlc, wall = clock(at=1_000_000)
    wall.ms = 2_000_000
    merged = hlc.observe(Timestamp(1_500_000, 3, "bb"))
    assert merged == Timestamp(2_000_000, 0, "aa")


def test_observe_equal_walls_takes_the_larger_counter() -> None:
    hlc, _ = clock(last=Timestamp(3_000_000, 4, "aa"), at=2_900_000)
    merged = hlc.observe(Timestamp(3_000_000, 9, "bb"))
    assert merged == Timestamp(3_000_000, 10, "aa")
    hlc2, _ = clock(last=Timestamp(3_000_000, 12, "aa"), at=2_900_000)
    assert hlc2.observe(Timestamp(3_000_000, 9, "bb")) == Timestamp(3_000_000, 13, "aa")


def test_observe_when_local_last_is_ahead_of_wall_and_remote() -> None:
    hlc, _ = clock(last=Timestamp(3_000_000, 4, "aa"), at=2_900_000)
    assert hlc.observe(Timestamp(2_000_000, 50, "bb")) == Timestamp(3_000_000, 5, "aa")


def test_drift_beyond_limit_is_clamped_and_flagged() -> None:
    hlc, _ = clock(at=1_000_000)
    far_future = Timestamp(1_000_000 + MAX_DRIFT_MS + 1, 3, "bb")
    merged = hlc.observe(far_future)
    assert hlc.drift_flagged is True
    assert merged.wall_ms == 1_000_000 + MAX_DRIFT_MS
    assert merged.counter == 4
    assert merged < far_future  # the wrong clock did not drag ours along


def test_drift_exactly_at_the_limit_is_accepted() -> None:
    hlc, _ = clock(at=1_000_000)
    merged = hlc.observe(Timestamp(1_000_000 + MAX_DRIFT_MS, 3, "bb"))
    assert hlc.drift_flagged is False
    assert merged == Timestamp(1_000_000 + MAX_DRIFT_MS, 4, "aa")


Op = tuple[str, int, Timestamp]


@CI
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["now", "observe"]),
            st.integers(min_value=-1_000, max_value=1_000),
            st.builds(
                Timestamp,
                # Within MAX_DRIFT_MS of the wall clock, which stays within 10M ± 40 000.
                wall_ms=st.integers(min_value=9_800_000, max_value=10_200_000),
                counter=st.integers(min_value=0, max_value=50),
                device=devices,
            ),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_stamp_exceeds_everything_seen_before(ops: list[Op]) -> None:
    hlc, wall = clock(at=10_000_000)
    seen: list[Timestamp] = []
    for kind, step, remote in ops:
        wall.ms += step
        if kind == "now":
            stamp = hlc.now()
        else:
            stamp = hlc.observe(remote)
            # Within the drift limit, causality holds: we are after what we received.
            assert (stamp.wall_ms, stamp.counter) > (remote.wall_ms, remote.counter)
            seen.append(remote)
        assert all((stamp.wall_ms, stamp.counter) > (s.wall_ms, s.counter) for s in seen)
        assert stamp.device == "aa"
        seen.append(stamp)
    assert hlc.drift_flagged is False


@CI
@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=MAX_DRIFT_MS + 1))
def test_clamped_drift_bounds_the_clock(now_ms: int, ahead: int) -> None:
    hlc, _ = clock(at=now_ms)
    merged = hlc.observe(Timestamp(now_ms + ahead, 0, "bb"))
    assert merged.wall_ms == now_ms + MAX_DRIFT_MS
    assert hlc.drift_flagged


# --- encoding -----------------------------------------------------------------------------


@CI
@given(timestamps)
def test_encode_decode_round_trip(ts: Timestamp) -> None:
    assert Timestamp.decode(ts.encode()) == ts


def test_device_with_dashes_round_trips() -> None:
    ts = Timestamp(1, 2, "0190a1b2-c3d4-7e5f")
    assert Timestamp.decode(ts.encode()) == ts


def test_encoding_is_fixed_width() -> None:
    assert Timestamp(1, 2, "dev").encode() == "0000000000001-00002-dev"


@CI
@given(timestamps, timestamps)
def test_string_order_equals_tuple_order(a: Timestamp, b: Timestamp) -> None:
    assert (a < b) == (a.encode() < b.encode())
    assert (a == b) == (a.encode() == b.encode())


def test_device_breaks_ties() -> None:
    assert Timestamp(5, 1, "aa") < Timestamp(5, 1, "bb")
    assert Timestamp(5, 1, "aa").encode() < Timestamp(5, 1, "bb").encode()


@pytest.mark.parametrize("text", ["", "garbage", "12-x-dev"])
def test_decode_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):  # unpacking or int() fails
        Timestamp.decode(text)


def test_observe_counter_overflow_also_carries() -> None:
    hlc, _ = clock(last=Timestamp(2_000_000, 99_999, "aa"), at=1_990_000)
    merged = hlc.observe(Timestamp(2_000_000, 99_999, "bb"))
    assert merged == Timestamp(2_000_001, 0, "aa")
    assert merged.encode() > Timestamp(2_000_000, 99_999, "bb").encode()


def test_clock_shared_between_threads_never_repeats_a_stamp() -> None:
    # The GUI's worker threads share one Database and so one clock.
    import sys
    import threading

    hlc, _ = clock(at=7)  # a wall clock that stands still: every stamp comes from the counter
    results: list[list[Timestamp]] = [[] for _ in range(4)]

    def work(out: list[Timestamp]) -> None:
        for i in range(5000):
            out.append(hlc.now() if i % 5 else hlc.observe(Timestamp(7, 3, "bb")))

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible to provoke a race
    try:
        threads = [threading.Thread(target=work, args=(out,)) for out in results]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(previous)
    stamps = [s for out in results for s in out]
    assert len(set(stamps)) == len(stamps) == 20_000
    for out in results:
        assert out == sorted(out)  # each thread sees its own stamps increase
