"""What every form shares: loading its lists, checking fields, sending, and staying open on error.

A form subclasses `FormScreen` and fills in:
- `compose_fields()`: its field rows (see layout.field_row);
- `fetch()` / `populate(data)`: the lists it needs, fetched in a worker, then shown;
- `validate()`: {field: message} for what is wrong now (pure checks, no request);
- `send()`: the API call, returning the Task the caller follows.

The contract with the caller: `dismiss(task)` on success, `dismiss(None)` on cancel. On any
failure the form stays open with what was typed intact, the error (code and message) at the
bottom and, when the server names a field, under that field too.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, LoadingIndicator, Select, Static, TextArea

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Instance, Task
from cca_tui.ui.errors import describe_error, field_errors


class FormScreen(ModalScreen["Task | None"]):
    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
        background: $background 60%;
    }
    FormScreen > #dialog {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    FormScreen #form-title {
        text-style: bold;
        width: 100%;
        padding: 0 0 1 0;
    }
    FormScreen #loading {
        height: 1;
    }
    FormScreen #fields {
        height: auto;
    }
    FormScreen .field {
        height: auto;
    }
    FormScreen .field-line {
        height: auto;
    }
    FormScreen .field-label {
        width: 22;
        padding: 1 1 0 0;
    }
    FormScreen .field-line > Input, FormScreen .field-line > Select {
        width: 1fr;
    }
    FormScreen .field-line > TextArea {
        width: 1fr;
        height: 5;
    }
    FormScreen .field-hint {
        color: $text-muted;
        padding-left: 22;
    }
    FormScreen .field-error {
        color: $text-error;
        padding-left: 22;
        display: none;
    }
    FormScreen .warning {
        color: $text-warning;
        text-style: bold;
        padding: 0 0 1 0;
    }
    FormScreen #form-error {
        color: $text-error;
        padding: 1 0 0 0;
        display: none;
    }
    FormScreen #buttons {
        height: auto;
        align-horizontal: right;
        padding: 1 0 0 0;
    }
    FormScreen #buttons Button {
        margin-left: 2;
        width: auto;  /* labels change ("Destroy and purge"): never cut them */
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit"),
        Binding("ctrl+r", "reload", "Reload lists", show=False),
    ]

    ACTION_LABEL: ClassVar[str] = "OK"
    ACTION_VARIANT: ClassVar[str] = "primary"
    BUSY_LABEL: ClassVar[str] = "Sending…"

    def __init__(self) -> None:
        super().__init__()
        self.loaded = False
        self.sending = False
        self.submitter: Callable[[FormScreen], Awaitable[Task]] | None = None
        # Fields the operator has edited: only these are checked live, so a fresh form
        # does not greet them with a wall of "required".
        self._touched: set[str] = set()
        self._escape_armed = False
        self.action_label = self.ACTION_LABEL
        # Values the inputs opened with: their first Changed event is not the operator's doing.
        self._initial: dict[str, str] = {}

    # --- to fill in -----------------------------------------------------------------

    def form_title(self) -> str:
        raise NotImplementedError

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    async def fetch(self) -> Any:
        """The lists the form needs; runs in a worker. None when it needs nothing."""
        return None

    def populate(self, data: Any) -> Any:
        """Show what fetch() returned; may be async (to mount widgets)."""

    def validate(self) -> dict[str, str]:
        return {}

    async def send(self) -> Task:
        raise NotImplementedError

    def on_fields_changed(self) -> None:
        """Hook for live hints that are not errors (warnings, dependent fields)."""

    # --- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.form_title(), id="form-title", markup=False)
            yield LoadingIndicator(id="loading")
            with VerticalScroll(id="fields", can_focus=False):
                yield from self.compose_fields()
            yield Static("", id="form-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.action_label, id="submit", variant=self.ACTION_VARIANT)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self._initial = {i.id: i.value for i in self.query(Input) if i.id}
        self.query_one("#submit", Button).disabled = True
        self.load_lists()

    def on_resize(self) -> None:
        # The dialog sizes to its fields but must keep its error line and buttons on screen:
        # CSS cannot say "auto, capped at the screen minus the rest", so cap the fields here.
        chrome = 12  # borders, title, error line, buttons
        self.query_one("#fields").styles.max_height = max(3, self.size.height - chrome)

    # --- loading --------------------------------------------------------------------

    @work(exclusive=True, group="form-load", exit_on_error=False)
    async def load_lists(self) -> None:
        self.loaded = False
        self.query_one("#loading").display = True
        try:
            data = await self.fetch()
        except Exception as exc:  # noqa: BLE001 - whatever failed, the form must say so, not crash
            self.show_form_error(f"Could not load the lists (ctrl+r to retry): {describe_error(exc)}")
            return
        finally:
            self.query_one("#loading").display = False
        self.show_form_error("")
        shown = self.populate(data)
        if inspect.isawaitable(shown):
            await shown
        self.loaded = True
        self.query_one("#submit", Button).disabled = not self.submit_allowed()
        self.on_fields_changed()

    def action_reload(self) -> None:
        if not self.sending:
            self.load_lists()

    def submit_allowed(self) -> bool:
        """Whether the action button may be pressed; the purge form adds its own gate."""
        return self.loaded and not self.sending

    def refresh_submit_button(self) -> None:
        self.query_one("#submit", Button).disabled = not self.submit_allowed()

    # --- checking -------------------------------------------------------------------

    def show_field_error(self, field: str, message: str) -> None:
        for line in self.query(f"#{field}-error").results(Static):
            line.update(message)
            line.display = bool(message)

    def show_field_errors(self, errors: dict[str, str], fields: set[str] | None = None) -> None:
        """Show `errors` on `fields` (all fields when None), clearing the others' lines."""
        for line in self.query(".field-error").results(Static):
            field = (line.id or "").removesuffix("-error")
            if fields is None or field in fields:
                message = errors.get(field, "")
                line.update(message)
                line.display = bool(message)

    def show_form_error(self, message: str) -> None:
        line = self.query_one("#form-error", Static)
        line.update(message)
        line.display = bool(message)

    def touch(self, field: str | None) -> None:
        if field:
            self._touched.add(field)
        self.show_field_errors(self.validate(), self._touched)
        self.on_fields_changed()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        field = event.input.id
        if field not in self._touched and self._initial.get(field or "") == event.value:
            self.on_fields_changed()  # a prefilled value arriving, not an edit
            return
        self.touch(field)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        # Selects change when populated too; that is not the operator's doing.
        if self.loaded:
            self.touch(event.select.id)

    @on(TextArea.Changed)
    def _text_area_changed(self, event: TextArea.Changed) -> None:
        self.touch(event.text_area.id)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        """Enter moves on to the next field; in the last input it submits."""
        event.stop()
        # Rows hide whole (e.g. the disk size of a fixed-size offering): look at the ancestors too.
        inputs = [
            i
            for i in self.query(Input)
            if not i.disabled and all(getattr(node, "display", True) for node in i.ancestors_with_self)
        ]
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

    # --- submitting -----------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_submit(self) -> None:
        if self.sending:
            return
        if not self.loaded:
            self.show_form_error(
                "Still loading the lists…"
                if self.query_one("#loading").display
                else "The lists did not load: ctrl+r to retry."
            )
            return
        if not self.submit_allowed():
            return
        errors = self.validate()
        self.show_field_errors(errors)
        if errors:
            self.show_form_error("Fix the marked fields first: nothing was sent.")
            self._focus_field(next(iter(errors)))
            return
        self.show_form_error("")
        self.send_form()

    @work(exclusive=True, group="form-submit", exit_on_error=False)
    async def send_form(self) -> None:
        self._set_sending(True)
        try:
            # Through the app's task tracker when the caller set one: the request is then
            # followed to its end even if this form is closed before the answer comes.
            task = await (self.submitter(self) if self.submitter is not None else self.send())
        except Exception as exc:  # noqa: BLE001 - stay open whatever went wrong; typed values stay put
            self._set_sending(False)
            self.show_form_error(describe_error(exc))
            named = field_errors(exc)
            for field, message in named.items():
                self.show_field_error(field, message)
            if named:
                self._focus_field(next(iter(named)))
            return
        self.dismiss(task)

    def _set_sending(self, sending: bool) -> None:
        self.sending = sending
        button = self.query_one("#submit", Button)
        button.label = self.BUSY_LABEL if sending else self.action_label
        self.refresh_submit_button()
        if not sending:
            self._escape_armed = False

    def _focus_field(self, field: str) -> None:
        for widget in self.query(f"#{field}"):
            if widget.focusable:
                widget.focus()
                return

    def action_cancel(self) -> None:
        if self.sending and not self._escape_armed:
            # The request may already be on its way: closing now would hide its outcome.
            self._escape_armed = True
            self.show_form_error("Waiting for the server… press Escape again to close without waiting.")
            return
        self.dismiss(None)


class InstanceFormScreen(FormScreen):
    """A form about one instance of one environment."""

    def __init__(self, compute: ComputeScope, instance: Instance) -> None:
        super().__init__()
        self.compute = compute
        self.instance = instance
