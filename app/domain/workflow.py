"""The ticket status workflow: which status may follow which."""

from __future__ import annotations

from app.domain.enums import TicketStatus as S

ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.NEW: frozenset({S.OPEN, S.PENDING, S.ON_HOLD, S.RESOLVED, S.CLOSED}),
    S.OPEN: frozenset({S.PENDING, S.ON_HOLD, S.RESOLVED, S.CLOSED}),
    S.PENDING: frozenset({S.OPEN, S.ON_HOLD, S.RESOLVED, S.CLOSED}),
    S.ON_HOLD: frozenset({S.OPEN, S.PENDING, S.RESOLVED, S.CLOSED}),
    # Reopening a resolved ticket is normal; a closed ticket is final and needs a new ticket.
    S.RESOLVED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset(),
}


class TransitionError(ValueError):
    """A status change that the workflow does not allow."""


def can_transition(current: S, target: S) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def check_transition(current: S, target: S) -> None:
    """Raise `TransitionError` with a sentence a technician understands."""
    if current == target:
        raise TransitionError(f"The ticket is already {target.label.lower()}.")
    if not can_transition(current, target):
        if current is S.CLOSED:
            raise TransitionError("A closed ticket cannot change; open a new ticket instead.")
        raise TransitionError(
            f"A ticket cannot go from {current.label.lower()} to {target.label.lower()}."
        )


def next_statuses(current: S) -> list[S]:
    """Statuses offered in the UI after `current`, in workflow order."""
    return [s for s in S if s in ALLOWED_TRANSITIONS[current]]


# --- escalation tiers ---------------------------------------------------------------------

#: Tier 1 = first line (L1), 2 = second line (L2), 3 = specialists or the vendor (L3).
MIN_TIER = 1
MAX_TIER = 3


def tier_label(tier: int) -> str:
    """How people say a tier: "L1", "L2", "L3"."""
    return f"L{tier}"


def check_tier(tier: int) -> None:
    """Raise `TransitionError` unless `tier` is one of the escalation tiers."""
    if not MIN_TIER <= tier <= MAX_TIER:
        raise TransitionError(
            f"There is no tier {tier}: choose tier {MIN_TIER} (L1), 2 (L2) or {MAX_TIER} (L3)."
        )


def check_escalation(current: int, target: int) -> None:
    """Raise `TransitionError` with a plain sentence if the ticket cannot move to `target`.

    Moving down (back to first line) is allowed; beyond the last tier or to the same tier is
    not.
    """
    if target > MAX_TIER and current >= MAX_TIER:
        raise TransitionError(
            f"The ticket is already at the last tier ({tier_label(MAX_TIER)}); it cannot be "
            "escalated further."
        )
    check_tier(target)
    if target == current:
        raise TransitionError(f"The ticket is already at tier {target} ({tier_label(target)}).")
