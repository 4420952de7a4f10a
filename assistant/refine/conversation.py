"""The conversation kept with a map: one `ChatMessage` per line (JSON Lines), append-only.

At `Workspace.conversation_path(map_id)`, next to the map's revisions. Each message is one line,
written with a single `write` and fsynced before `append_message` returns: a crash loses at most
the message being written, and a torn last line never glues itself to the next one (a line is
started afresh when the file does not end with a newline), under the workspace lock (the CLI,
the UI and the MCP server may talk about one map at once). Reading reports a corrupt line
(line number and why) and goes on with the others: one bad line never hides the conversation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from assistant.errors import WorkspaceError
from assistant.refine.turns import ChatMessage
from assistant.workspace import Workspace


@dataclass
class Conversation:
    messages: list[ChatMessage] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """One line per unreadable line of the file, e.g. "line 7: invalid JSON …"."""


def append_message(workspace: Workspace, map_id: str, message: ChatMessage) -> None:
    """Add `message` at the end of the map's conversation, durably."""
    path = workspace.conversation_path(map_id)
    line = message.model_dump_json().encode() + b"\n"
    with workspace.locked("conversation: add a message"):
        _append_line(path, line)


def _append_line(path: Path, line: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            size = os.fstat(descriptor).st_size
            if size and os.pread(descriptor, 1, size - 1) != b"\n":
                line = b"\n" + line  # the last write was torn: do not extend its line
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise WorkspaceError(
            f"cannot write the conversation {path}: {error.strerror or error}",
            "check the workspace folder's permissions and free space",
        ) from error


def load_conversation(workspace: Workspace, map_id: str) -> Conversation:
    """Every readable message, oldest first, and what could not be read."""
    path = workspace.conversation_path(map_id)
    conversation = Conversation()
    if not path.is_file():
        return conversation
    for number, raw in enumerate(path.read_bytes().split(b"\n"), 1):
        if not raw.strip():
            continue
        try:
            conversation.messages.append(ChatMessage.model_validate_json(raw))
        except ValidationError as error:
            reason = str(error.errors()[0]["msg"])
            conversation.problems.append(f"{path}: line {number} is not a message ({reason})")
    return conversation
