"""The replication benchmark runs end to end at a tiny size (no timing asserted here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bench.sync import run
from tests.conftest import _pg_admin_url

pytestmark = pytest.mark.postgres

KEYS = {
    "push_10k_edits_s",
    "pull_100k_changes_s",
    "initial_download_100k_rows_s",
    "idle_round_trip_ms",
    "local_save_overhead_ratio",
}


def test_bench_sync_reports_every_figure(tmp_path: Path) -> None:
    result = run(_pg_admin_url(), tmp_path, rows=60, changes=60, edits=20, saves=3)
    assert result.keys() >= KEYS
    for key in KEYS:
        assert isinstance(result[key], int | float), key
        assert result[key] >= 0, key
    assert result["local_save_overhead_ratio"] > 0
