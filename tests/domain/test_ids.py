"""Identifiers: UUID v7 keys, device prefixes and ticket numbers."""

from __future__ import annotations

import time
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.ids import _ALPHABET, device_prefix, new_id, ticket_number

CI = settings(max_examples=100, deadline=None)


def test_new_id_is_a_standard_uuid_v7() -> None:
    key = new_id()
    assert isinstance(key, uuid.UUID)
    assert key.version == 7
    assert key.variant == uuid.RFC_4122


def test_new_ids_are_unique_and_time_ordered() -> None:
    keys = [new_id() for _ in range(2000)]
    assert len(set(keys)) == len(keys)
    # Generated in order within this process, even inside one millisecond.
    assert keys == sorted(keys)


def test_uuid7_embeds_creation_time() -> None:
    before = int(time.time() * 1000)
    key = new_id()
    after = int(time.time() * 1000)
    assert before <= key.int >> 80 <= after


def test_alphabet_avoids_characters_misread_aloud() -> None:
    assert len(_ALPHABET) == 32
    assert len(set(_ALPHABET)) == 32
    assert not set("0O1I") & set(_ALPHABET)


@CI
@given(st.uuids())
def test_device_prefix_uses_only_the_alphabet(device_id: uuid.UUID) -> None:
    prefix = device_prefix(device_id)
    assert len(prefix) == 3
    assert set(prefix) <= set(_ALPHABET)
    assert device_prefix(device_id) == prefix  # deterministic


def test_device_prefixes_spread_over_random_v7_ids() -> None:
    prefixes = {device_prefix(new_id()) for _ in range(300)}
    # 32**3 possibilities: 300 random ids should give almost as many prefixes.
    assert len(prefixes) > 280


def test_device_prefix_examples() -> None:
    assert device_prefix(uuid.UUID(int=0)) == "222"
    assert device_prefix(uuid.UUID(int=31)) == "Z22"
    assert device_prefix(uuid.UUID(int=32)) == "232"


def test_ticket_number() -> None:
    assert ticket_number("K7Q", 1) == "K7Q-1"
    assert ticket_number("K7Q", 1042) == "K7Q-1042"
