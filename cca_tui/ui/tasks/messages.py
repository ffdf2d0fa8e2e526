"""The message the tracker's changes travel in, from the app to the environment screens."""

from __future__ import annotations

from textual.message import Message

from cca_tui.ui.tasks.records import TrackedTask


class TaskChanged(Message):
    """A tracked task was sent, progressed or ended (`record.in_flight` tells which)."""

    def __init__(self, record: TrackedTask) -> None:
        self.record = record
        super().__init__()
