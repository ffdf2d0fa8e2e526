"""The message the tracker's changes travel in, from the app to the environment screens."""

from __future__ import annotations

from textual.message import Message

from cca_tui.ui.state import TaskRow


class TaskChanged(Message):
    """A tracked task was sent, progressed or ended (`row.in_flight` tells which): its
    frozen snapshot, which names its environment."""

    def __init__(self, row: TaskRow) -> None:
        self.row = row
        super().__init__()
