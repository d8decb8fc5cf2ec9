"""Errors of replication that the user can act on (shown as they are)."""

from __future__ import annotations

from app.errors import EnvironmentProblemError


class SyncError(EnvironmentProblemError):
    """Replication cannot run now; the message says why and what to do."""


class NotConnectedError(SyncError):
    """This desktop has not been connected to a team server yet."""


class SchemaMismatchError(SyncError):
    """The desktop and the server are on different schema revisions; nothing was exchanged."""
