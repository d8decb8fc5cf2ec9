"""Ticket tags: how a typed tag becomes the stored name."""

from __future__ import annotations

from collections.abc import Iterable

#: Longest tag name (the `tags.name` column).
MAX_TAG = 64


class TagError(ValueError):
    """A tag that cannot be stored, with a sentence saying why."""


def normalise_tag(raw: str) -> str:
    """The stored form of one tag: trimmed, lower-case, inner spaces collapsed, no leading #.

    Returns "" for a tag with no visible characters.
    """
    name = " ".join(raw.split()).lower().lstrip("# ")
    if len(name) > MAX_TAG:
        raise TagError(f"Keep each tag under {MAX_TAG + 1} characters ('{name[:20]}…' is longer).")
    return name


def normalise_tags(raw: Iterable[str]) -> tuple[str, ...]:
    """Unique stored tag names in alphabetical order; commas inside an entry split it."""
    names = {normalise_tag(part) for entry in raw for part in entry.split(",")}
    names.discard("")
    return tuple(sorted(names))
