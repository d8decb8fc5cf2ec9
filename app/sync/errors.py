"""Errors of replication that the user can act on (shown as they are)."""

from __future__ import annotations

from app.errors import EnvironmentProblemError


class SyncError(EnvironmentProblemError):
    """Replication cannot run now; the message says why and what to do."""


class NotConnectedError(SyncError):
    """This desktop has not been connected to a team server yet."""


class SchemaMismatchError(SyncError):
    """The desktop and the server are on different schema revisions; nothing was exchanged."""


class SyncCancelledError(SyncError):
    """The round was asked to stop (the window is closing); every finished step is kept.

    Raised between batches and pages, each of which is its own transaction, so the outbox
    and the cursor are consistent and the next round resumes where this one stopped.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Sync was stopped before the round finished. Nothing was lost; the next "
            "round continues where this one stopped."
        )
