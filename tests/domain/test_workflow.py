"""The ticket status workflow: every pair of statuses, allowed or refused, with its message."""

from __future__ import annotations

import itertools

import pytest

from app.domain.enums import TicketStatus as S
from app.domain.workflow import (
    ALLOWED_TRANSITIONS,
    TransitionError,
    can_transition,
    check_transition,
    next_statuses,
)

# The workflow written out by hand, so a change to the table in app code is a visible decision.
EXPECTED: dict[S, set[S]] = {
    S.NEW: {S.OPEN, S.PENDING, S.ON_HOLD, S.RESOLVED, S.CLOSED},
    S.OPEN: {S.PENDING, S.ON_HOLD, S.RESOLVED, S.CLOSED},
    S.PENDING: {S.OPEN, S.ON_HOLD, S.RESOLVED, S.CLOSED},
    S.ON_HOLD: {S.OPEN, S.PENDING, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.OPEN, S.CLOSED},
    S.CLOSED: set(),
}

ALL_PAIRS = list(itertools.product(S, S))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED[a]]
FORBIDDEN = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED[a]]


def test_every_status_has_a_row() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(S)
    assert {k: set(v) for k, v in ALLOWED_TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=lambda s: s.value)
def test_allowed_transition(current: S, target: S) -> None:
    assert can_transition(current, target)
    check_transition(current, target)  # does not raise


@pytest.mark.parametrize(("current", "target"), FORBIDDEN, ids=lambda s: s.value)
def test_forbidden_transition(current: S, target: S) -> None:
    assert not can_transition(current, target)
    with pytest.raises(TransitionError):
        check_transition(current, target)


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
def test_same_status_says_already(status: S) -> None:
    with pytest.raises(TransitionError, match=f"already {status.label.lower()}"):
        check_transition(status, status)


@pytest.mark.parametrize("target", [s for s in S if s is not S.CLOSED], ids=lambda s: s.value)
def test_closed_is_final(target: S) -> None:
    assert next_statuses(S.CLOSED) == []
    with pytest.raises(TransitionError, match="closed ticket cannot change; open a new ticket"):
        check_transition(S.CLOSED, target)


def test_forbidden_message_names_both_statuses_in_plain_words() -> None:
    with pytest.raises(TransitionError) as info:
        check_transition(S.RESOLVED, S.PENDING)
    assert str(info.value) == "A ticket cannot go from resolved to waiting on requester."


def test_transition_error_is_a_value_error() -> None:
    # Services may catch ValueError broadly; the workflow error must stay one.
    assert issubclass(TransitionError, ValueError)


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
def test_next_statuses_follow_workflow_order(status: S) -> None:
    offered = next_statuses(status)
    assert set(offered) == EXPECTED[status]
    order = list(S)
    assert offered == sorted(offered, key=order.index)


def test_resolved_can_reopen() -> None:
    assert next_statuses(S.RESOLVED) == [S.OPEN, S.CLOSED]
