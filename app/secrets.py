"""The one module that talks to the OS keyring.

Tests install an in-memory backend with `keyring.set_keyring`; nothing here falls back to a
plaintext file when the OS has no keyring: the caller is told instead.
"""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError, NoKeyringError, PasswordDeleteError

from app.errors import SecretStoreUnavailableError

SERVICE = "SupportDesk"


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def get_secret(kind: str, name: str) -> str | None:
    """Read a secret, e.g. ``get_secret("postgres", "alice@db.example.org:5432/desk")``."""
    try:
        return keyring.get_password(SERVICE, _key(kind, name))
    except NoKeyringError as exc:
        raise SecretStoreUnavailableError(
            "No password store (keyring) is available on this computer, so the saved "
            "password cannot be read. Install or unlock a keyring, or enter the password."
        ) from exc
    except KeyringError as exc:
        raise SecretStoreUnavailableError(f"The password store refused the request: {exc}") from exc


def set_secret(kind: str, name: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, _key(kind, name), value)
    except NoKeyringError as exc:
        raise SecretStoreUnavailableError(
            "No password store (keyring) is available on this computer; the password was "
            "not saved. SupportDesk never writes passwords to a plain file."
        ) from exc
    except KeyringError as exc:
        raise SecretStoreUnavailableError(f"The password store refused the request: {exc}") from exc


def delete_secret(kind: str, name: str) -> None:
    try:
        keyring.delete_password(SERVICE, _key(kind, name))
    except PasswordDeleteError:
        pass
    except KeyringError as exc:
        raise SecretStoreUnavailableError(f"The password store refused the request: {exc}") from exc
