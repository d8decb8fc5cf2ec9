"""Developer tool, before the first release only: rewrite 0001 from the current models.

    uv run python migrations/dev_regenerate_initial.py

Once a release has shipped, never do this: add a new revision instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from app.data.database import Database, sqlite_url
from app.data.migrate import alembic_config

VERSIONS = Path(__file__).parent / "versions"


def main() -> None:
    initial = VERSIONS / "0001_initial_schema.py"
    later = [p for p in VERSIONS.glob("0*.py") if p != initial]
    with tempfile.TemporaryDirectory() as tmp:
        parked = Path(tmp) / "parked"
        parked.mkdir()
        for p in later:
            p.rename(parked / p.name)
        initial.unlink(missing_ok=True)
        try:
            db = Database(sqlite_url(Path(tmp) / "gen.db"))
            command.revision(
                alembic_config(db), message="initial schema", autogenerate=True, rev_id="0001"
            )
            db.dispose()
        finally:
            for p in parked.iterdir():
                p.rename(VERSIONS / p.name)
    text = initial.read_text().splitlines()
    text = [("Create Date: 2026-11-27" if ln.startswith("Create Date:") else ln) for ln in text]
    initial.write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
