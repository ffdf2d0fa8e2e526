"""The base of every dialog: one stylesheet (`cca_tui/ui/dialogs.tcss`) instead of CSS per module."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")

DIALOGS_CSS = Path(__file__).resolve().parent.parent / "dialogs.tcss"


class DialogScreen(ModalScreen[ResultType]):
    """A modal dialog: a `#dialog` frame centred over a dimmed screen, `#title`, `#buttons`.

    Textual reads a screen's CSS_PATH once, when the first dialog opens; its rules are
    written for the dialog classes by name, so they apply to those only.
    """

    CSS_PATH = DIALOGS_CSS
