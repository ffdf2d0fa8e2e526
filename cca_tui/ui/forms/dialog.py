"""The base of every dialog: one stylesheet (`cca_tui/ui/dialogs.tcss`) instead of CSS per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from textual.screen import ModalScreen, Screen

ResultType = TypeVar("ResultType")

DIALOGS_CSS = Path(__file__).resolve().parent.parent / "dialogs.tcss"


class DialogScreen(ModalScreen[ResultType]):
    """A modal dialog: a `#dialog` frame centred over a dimmed screen, `#title`, `#buttons`.

    Textual reads a screen's CSS_PATH once, when the first dialog opens; its rules are
    written for the dialog classes by name, so they apply to those only.
    """

    CSS_PATH = DIALOGS_CSS

    # Notifications wait while a dialog is open (see dialogs.tcss): the screen under it shows
    # through its dimmed background, toasts included; marked, it hides them.
    UNDER_A_DIALOG = "-under-dialog"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._screen_under: Screen[Any] | None = None

    def on_mount(self) -> None:  # (Textual calls the subclasses' on_mount too)
        stack = self.app.screen_stack
        if self in stack and stack.index(self) > 0:
            self._screen_under = stack[stack.index(self) - 1]
            self._screen_under.add_class(self.UNDER_A_DIALOG)

    def on_unmount(self) -> None:
        if self._screen_under is not None:
            self._screen_under.remove_class(self.UNDER_A_DIALOG)
            self._screen_under = None
