"""Escalation tiers (L1 → L3) and how typed tags become stored names."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.tags import MAX_TAG, TagError, normalise_tag, normalise_tags
from app.domain.workflow import (
    MAX_TIER,
    MIN_TIER,
    TransitionError,
    check_escalation,
    check_tier,
    tier_label,
)

TIERS = range(MIN_TIER, MAX_TIER + 1)


@pytest.mark.parametrize(
    ("current", "target"), [(a, b) for a, b in itertools.product(TIERS, TIERS) if a != b]
)
def test_any_other_tier_is_allowed_up_or_down(current: int, target: int) -> None:
    check_escalation(current, target)  # does not raise


@pytest.mark.parametrize("tier", TIERS)
def test_same_tier_is_refused_in_plain_words(tier: int) -> None:
    with pytest.raises(TransitionError, match=f"already at tier {tier} \\(L{tier}\\)"):
        check_escalation(tier, tier)


def test_beyond_the_last_tier_is_refused() -> None:
    with pytest.raises(TransitionError, match="already at the last tier \\(L3\\)"):
        check_escalation(3, 4)
    with pytest.raises(TransitionError, match="no tier 4"):
        check_escalation(2, 4)
    with pytest.raises(TransitionError, match="no tier 0"):
        check_escalation(1, 0)


def test_tiers_and_labels() -> None:
    assert (MIN_TIER, MAX_TIER) == (1, 3)
    assert [tier_label(t) for t in TIERS] == ["L1", "L2", "L3"]
    for tier in TIERS:
        check_tier(tier)
    with pytest.raises(TransitionError):
        check_tier(-1)
    assert issubclass(TransitionError, ValueError)


def test_tags_are_trimmed_lowered_unique_and_sorted() -> None:
    assert normalise_tags(["  VPN ", "vpn", "Printer  Jam", "#Urgent", "", "   "]) == (
        "printer jam",
        "urgent",
        "vpn",
    )
    assert normalise_tags(["a, b ,A"]) == ("a", "b")  # typed as one comma-separated entry
    assert normalise_tag("  ") == ""
    assert normalise_tag("# #Wifi") == "wifi"  # however many hashes and spaces lead


def test_a_too_long_tag_is_refused() -> None:
    assert normalise_tag("x" * MAX_TAG) == "x" * MAX_TAG
    with pytest.raises(TagError, match="under 65 characters"):
        normalise_tag("x" * (MAX_TAG + 1))
    assert issubclass(TagError, ValueError)


@given(st.lists(st.text(max_size=20), max_size=8))
def test_normalising_is_idempotent(raw: list[str]) -> None:
    once = normalise_tags(raw)
    assert normalise_tags(once) == once
    assert list(once) == sorted(set(once))
    assert all(t == t.strip().lower() and t for t in once)
