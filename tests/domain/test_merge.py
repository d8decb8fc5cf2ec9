"""The per-field merge is a semilattice: commutative, associative, idempotent; tombstones stick."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.sync.merge import (
    FieldState,
    beats,
    is_concurrent,
    merge_field,
    merge_rows,
    needs_conflict_record,
)

FIELDS = ("status", "description", "deleted_at")
stamps = st.builds(
    lambda wall, counter, device: f"{wall:013d}-{counter:05d}-{device}",
    st.integers(0, 20),
    st.integers(0, 3),
    st.sampled_from(["aaaa", "bbbb", "cccc"]),
)
values = st.one_of(st.none(), st.sampled_from(["new", "open", "2026-01-01T00:00:00+00:00"]))
states = st.builds(FieldState, values, stamps)
rows = st.dictionaries(st.sampled_from(FIELDS), states, max_size=3)


@given(st.sampled_from(FIELDS), states, states)
def test_field_merge_is_commutative(field: str, a: FieldState, b: FieldState) -> None:
    assert merge_field(field, a, b) == merge_field(field, b, a)


@given(st.sampled_from(FIELDS), states, states, states)
def test_field_merge_is_associative(
    field: str, a: FieldState, b: FieldState, c: FieldState
) -> None:
    assert merge_field(field, merge_field(field, a, b), c) == merge_field(
        field, a, merge_field(field, b, c)
    )


@given(st.sampled_from(FIELDS), states)
def test_field_merge_is_idempotent(field: str, a: FieldState) -> None:
    assert merge_field(field, a, a) == a


@given(rows, rows, rows)
def test_row_merge_is_a_semilattice(a: dict, b: dict, c: dict) -> None:  # type: ignore[type-arg]
    assert merge_rows(a, b) == merge_rows(b, a)
    assert merge_rows(merge_rows(a, b), c) == merge_rows(a, merge_rows(b, c))
    assert merge_rows(a, a) == a


def test_later_stamp_wins_and_device_breaks_ties() -> None:
    old = FieldState("open", "0000000000005-00000-bbbb")
    new = FieldState("closed", "0000000000006-00000-aaaa")
    assert merge_field("status", old, new) == new
    tie_a = FieldState("x", "0000000000006-00000-aaaa")
    tie_b = FieldState("y", "0000000000006-00000-bbbb")
    assert merge_field("status", tie_a, tie_b) == tie_b


def test_a_tombstone_beats_a_later_undelete() -> None:
    deleted = FieldState("2026-01-01T00:00:00+00:00", "0000000000001-00000-aaaa")
    alive = FieldState(None, "0000000000009-00000-bbbb")
    assert merge_field("deleted_at", deleted, alive) == deleted
    assert beats("deleted_at", deleted, alive)
    assert not beats("deleted_at", alive, deleted)


def test_conflicts_are_decided_by_versions_not_clocks() -> None:
    # The server's value came from another device after the version this edit was based on.
    assert is_concurrent(server_version=7, server_device="b", base=5, device="a")
    # The device had seen version 7: a later edit, not a conflict, whatever the clocks say.
    assert not is_concurrent(server_version=7, server_device="b", base=7, device="a")
    # Its own earlier edit is never a conflict with itself.
    assert not is_concurrent(server_version=9, server_device="a", base=5, device="a")
    assert needs_conflict_record("tickets", "status", "open", "closed", concurrent=True)
    assert not needs_conflict_record("tickets", "subject", "a", "b", concurrent=True)
    assert not needs_conflict_record("tickets", "status", "open", "open", concurrent=True)
    assert not needs_conflict_record("ticket_events", "body", "a", "b", concurrent=True)
