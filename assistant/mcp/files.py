"""What a host may make the server read: paths under allowed roots, and bounded inline uploads.

A host's model chooses the paths it sends, and source text it has read may ask it to send others:
so every path is resolved (symbolic links followed) and must land inside a root; `..`, absolute
paths elsewhere and links that leave a root are refused with a message naming the roots. Inline
files are written under the workspace's `inbox/uploads/` with a name reduced to its last part.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.errors import ConfigError
from assistant.uploads import save_files
from assistant.workspace import Workspace

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
"""One inline file at most (10 MiB): bigger files go in a root and are named by path."""
MAX_UPLOAD_TOTAL = 40 * 1024 * 1024


class InlineFile(BaseModel):
    """A file the host sends in the call: its text, or its bytes in base64 (Word, PDF, Excel)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="File name with its extension")
    text: str | None = Field(default=None, description="The file's text (UTF-8 formats)")
    content_base64: str | None = Field(default=None, description="The file's bytes, base64")

    @model_validator(mode="after")
    def _one_content(self) -> InlineFile:
        if (self.text is None) == (self.content_base64 is None):
            raise ValueError(f"{self.name}: give exactly one of text or content_base64")
        return self

    def content(self) -> bytes:
        if self.text is not None:
            return self.text.encode("utf-8")
        try:
            return base64.b64decode(self.content_base64 or "", validate=True)
        except (binascii.Error, ValueError) as error:
            raise ConfigError(
                f"{self.name}: content_base64 is not valid base64 ({error})",
                "send the file's bytes base64-encoded, or its text in `text`",
            ) from None


class AllowedRoots:
    """Folders the server may read sources from: the workspace's inbox, plus `--allow` ones."""

    def __init__(self, workspace: Workspace, extra: Sequence[Path] = ()) -> None:
        self.inbox = workspace.root / "inbox"
        self.roots = [self.inbox.resolve(), *(Path(p).expanduser().resolve() for p in extra)]

    def describe(self) -> str:
        return ", ".join(str(root) for root in self.roots)

    def resolve(self, raw: str) -> Path:
        """`raw` (relative paths are taken from the inbox) as a real path inside a root."""
        candidate = Path(raw).expanduser()
        if not candidate.is_absolute():
            candidate = self.inbox / candidate
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            raise ConfigError(
                f"{raw}: no such file or folder under the allowed roots ({self.describe()})",
                "put the files in the workspace's inbox/ folder, or start the server with "
                "--allow DIR",
            ) from None
        if not any(real == root or real.is_relative_to(root) for root in self.roots):
            raise ConfigError(
                f"{raw} is outside the allowed roots ({self.describe()}); the server reads no "
                "other files",
                "copy the files into one of these folders, or restart the server with --allow DIR",
            )
        return real


def save_uploads(workspace: Workspace, files: Sequence[InlineFile]) -> list[Path]:
    """Write inline files under `inbox/uploads/`; refuse them all if any is too big."""
    contents = [(file, file.content()) for file in files]
    for file, data in contents:
        if len(data) > MAX_UPLOAD_BYTES:
            raise ConfigError(
                f"{file.name} is {len(data) / 1e6:.1f} MB; inline uploads stop at "
                f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB",
                "put the file in the workspace's inbox/ folder and pass its path instead",
            )
    if sum(len(data) for _, data in contents) > MAX_UPLOAD_TOTAL:
        raise ConfigError(
            f"{len(files)} inline files make more than {MAX_UPLOAD_TOTAL / 1e6:.0f} MB",
            "send them in several calls, or put them in the inbox/ folder",
        )
    return save_files(workspace, [(file.name, data) for file, data in contents])
