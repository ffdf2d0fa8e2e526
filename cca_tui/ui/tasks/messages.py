"""The message the tracker's changes travel in, from the app to the environment screens."""

from __future__ import annotations

from textual.message import Message

from cca_tui.ui.state import EnvironmentTasks, TaskRow


class TaskChanged(Message):
    """A tracked task was sent, progressed or ended (`row.in_flight` tells which): its frozen
    snapshot, and its environment's tasks as they are now (the screen takes them as they are)."""

    def __init__(self, row: TaskRow, board: EnvironmentTasks) -> None:
        self.row = row
        self.board = board
        super().__init__()
