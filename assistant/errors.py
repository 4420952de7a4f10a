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


class EditError(ParcoursError):
    """An edit operation was refused: unknown id, quote not in its source, broken invariant.

    `index` is the 0-based position of the refused operation in its batch (None outside a batch),
    `op` its name and `target` the item or stage it addresses. Nothing was applied.
    """

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        index: int | None = None,
        total: int | None = None,
        op: str | None = None,
        target: str | None = None,
    ) -> None:
        self.index = index
        self.op = op
        self.target = target
        if index is not None and op is not None:
            where = f"operation {index + 1}" + (f" of {total}" if total else "")
            message = f"{where} ({op}{' ' + target if target else ''}): {message}"
        super().__init__(message, hint)


class StaleRevisionError(MapError):
    """An edit was made on a revision that is no longer the latest: never a lost update."""

    def __init__(self, map_id: str, current: int, base: int) -> None:
        self.map_id = map_id
        self.current = current
        self.base = base
        super().__init__(
            f"map {map_id} is at revision {current}, your edit was made on revision {base}",
            "reload the map and retry (nothing was saved)",
        )
