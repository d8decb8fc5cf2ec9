"""Errors every layer may raise and the UI and CLI turn into clear messages.

Split as qutebrowser does: `EnvironmentProblemError` subclasses are the environment's fault
(unreachable server, corrupt file, newer schema) and are shown to the user as they are; any
other exception is our bug and is reported as such.
"""

from __future__ import annotations


class SupportDeskError(Exception):
    """Base of every error with a message meant for the user."""


class EnvironmentProblemError(SupportDeskError):
    """Something outside the program is wrong; the message says what to do."""


class DatabaseUnavailableError(EnvironmentProblemError):
    """The database server cannot be reached, or the URL is malformed."""


class CorruptDatabaseError(EnvironmentProblemError):
    """The local file is not a readable SupportDesk database."""


class SchemaTooNewError(EnvironmentProblemError):
    """The database was written by a newer SupportDesk than this one."""


class SecretStoreUnavailableError(EnvironmentProblemError):
    """The OS keyring is missing or locked; we never fall back to plaintext."""


class ValidationError(SupportDeskError):
    """Input that a service refuses, with the reason."""


class NotFoundError(SupportDeskError):
    """The record no longer exists (or was deleted on another desktop)."""


class AuthenticationError(SupportDeskError):
    """Sign-in refused: wrong user name or password, or the account is locked."""
