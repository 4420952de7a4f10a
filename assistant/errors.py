"""One base exception for everything Parcours reports to a user.

Every message names the file, source or item concerned and ends with what to do about it.
"""

from __future__ import annotations


class ParcoursError(Exception):
    """Base class: `str(error)` is a complete, user-facing sentence with a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} — {hint}" if hint else message)


class UnreadableFileError(ParcoursError):
    """A file could not be turned into a source (empty, binary, undecodable, unknown format)."""

    def __init__(self, path: str, reason: str, hint: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}", hint)


class WorkspaceError(ParcoursError):
    """The workspace is missing, inconsistent, or was built with another embedder."""


class ConfigError(ParcoursError):
    """A setting is missing or invalid."""


class MapError(ParcoursError):
    """A map is invalid or cannot be found."""


class VerificationError(ParcoursError):
    """An exported map does not match its sources."""
