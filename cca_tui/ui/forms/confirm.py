"""A yes/no question for simple confirmations.

Focus opens on Cancel (Enter alone says no), except in an action's "are you sure"
(ActionConfirmModal): there Enter or `y` sends. Escape or `n` always sends nothing.
"""

from __future__ import annotations

from textual import on
from textual._time import get_time  # the clock Textual stamps each event with (Message.time)
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.key_footer import KeyFooter
from cca_tui.ui.widgets.keys_in_order import KeysInOrderInput

from .dialog import DialogScreen


class ConfirmModal(DialogScreen[bool]):
    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel"),
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("pageup", "scroll_message(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_message(1)", "Scroll down", show=False),
    ]
    AUTO_FOCUS = "#cancel"
    # A long question (a bulk action over a fleet: names per environment, every skip with
    # its reason) scrolls, so that the buttons stay on screen on a 24-line terminal.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    DEFAULT_CSS = """
    ConfirmModal #message-box { height: auto; max-height: 20; }
    ConfirmModal.-short #message-box { max-height: 10; }
    """

    def __init__(self, title: str, message: str, confirm_label: str = "OK") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._confirm_label = confirm_label
        # A yes counts only once the question has been drawn. Keys typed ahead (a burst, a
        # paste, a loaded machine that had not drawn the dialog yet) are read before the
        # first frame: in one trial "env prod" typed blind closed one bulk question with
        # `n`, opened a bulk reboot with `r` and confirmed it, three instances rebooted.
        # A key is handled some time after it is read: on a loaded machine, one typed before
        # the dialog was drawn may be handled after it was (the burst's `y` came after the
        # dialog's first frame in one run of its test), so the key's own time is compared.
        self._drawn_at: float | None = None

    def on_mount(self) -> None:
        self.call_after_refresh(self._now_drawn)

    def _now_drawn(self) -> None:
        self._drawn_at = get_time()

    @property
    def _drawn(self) -> bool:
        return self._drawn_at is not None

    def answered_before_drawn(self) -> bool:
        """A yes read before the question was on screen: refused, with a bell."""
        read_at = getattr(self.app, "input_read_at", None)  # the input being handled (app.py)
        if self._drawn_at is not None and (read_at is None or read_at >= self._drawn_at):
            return False
        self.app.bell()
        # Not shown as pressed, and not in the way of the yes that follows: Textual ignores
        # Enter on a button for 0.2 s after a press (its "active" look), and a dialog drawn
        # quickly after a burst took the operator's first deliberate Enter for that.
        for button in self.query("#confirm").results(Button):
            button.remove_class("-active")
        return True

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            # The question may quote server text (an instance's name): shown literally.
            yield Static(safe(self._title, limit=200), id="title", classes="title")
            with VerticalScroll(id="message-box", can_focus=False):
                yield Static(safe(self._message, keep_newlines=True), id="message")
            yield from self.compose_answer()
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self._confirm_label, id="confirm", variant="warning")
        yield KeyFooter()

    def set_message(self, message: str) -> None:
        """Say something else while open (the quit dialog counts tasks as they end)."""
        self._message = message
        if self.is_mounted:
            self.query_one("#message", Static).update(safe(message, keep_newlines=True))

    def compose_answer(self) -> ComposeResult:
        """What a subclass asks beyond yes or no (TypedConfirmModal: the text to type)."""
        yield from ()

    def action_scroll_message(self, pages: int) -> None:
        """PageUp / PageDown scroll the question, whatever has the focus (a button, the field)."""
        box = self.query_one("#message-box", VerticalScroll)
        (box.scroll_page_down if pages > 0 else box.scroll_page_up)(animate=False)

    def action_answer(self, yes: bool) -> None:
        if yes and self.answered_before_drawn():
            return
        self.dismiss(yes)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        if not self.answered_before_drawn():
            self.dismiss(True)


class ActionConfirmModal(ConfirmModal):
    """An action's "are you sure": the operator asked for it, so Enter (or `y`) confirms."""

    AUTO_FOCUS = "#confirm"


class TypedConfirmModal(ConfirmModal):
    """A yes that must be typed: the instance's name, or (bulk) how many instances, as
    SafetyPolicy.text_to_type says. Nothing unlocks the button but the exact text; Enter in
    the field confirms only then, and Escape sends nothing."""

    AUTO_FOCUS = "#typed"

    def __init__(self, title: str, message: str, confirm_label: str, *, expected: str) -> None:
        super().__init__(title, message, confirm_label)
        self.expected = expected

    def compose_answer(self) -> ComposeResult:
        yield KeysInOrderInput(
            placeholder=f"type “{printable(self.expected, limit=40)}”", id="typed", select_on_focus=False
        )

    def on_mount(self) -> None:  # (Textual calls ConfirmModal.on_mount too)
        self.query_one("#confirm", Button).disabled = True

    def _matches(self) -> bool:
        value = self.query_one("#typed", Input).value
        return value in (self.expected, printable(self.expected))

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self._matches()

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        if self._matches() and not self.answered_before_drawn():
            self.dismiss(True)

    def action_answer(self, yes: bool) -> None:
        if yes and not self._matches():
            return  # `y` is not the typed text
        super().action_answer(yes)
