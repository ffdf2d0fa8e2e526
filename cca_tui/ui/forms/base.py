"""What every form shares: loading its lists, checking fields, sending, and staying open on error.

A form subclasses `FormScreen` and fills in:
- `compose_fields()`: its fields (see field.Field);
- `fetch()` / `populate(data)`: the lists it needs, fetched in a worker, then shown;
- `validate()`: {field: message} for what is wrong now (pure checks, no request);
- `send()`: the API call, returning the Task the caller follows.

The contract with the caller: `dismiss(task)` on success, `dismiss(None)` on cancel. On any
failure the form stays open with what was typed intact, the error (code and message) at the
bottom and, when the server names a field, under that field too.

The footer under the form shows its own keys: Escape cancels, ctrl+s sends (labelled with
the form's action, "Create", "Purge"...). Enter in a form with one field sends it.
`loaded` and `sending` are reactive: their watchers keep the action button's state.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.widget import Widget
from textual.widgets import Button, Input, LoadingIndicator, Select, Static, TextArea
from textual.widgets._select import SelectOverlay

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Instance, Task
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.errors import describe_error, field_errors
from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.key_footer import KeyFooter

from .dialog import DialogScreen
from .field import Field, FieldInput, one_line


@dataclass(frozen=True)
class FormContext:
    """What a form is about, given by whoever opens it: the environment it acts in, the
    instance it is about, and the app's data layer it reads through (a form holds no client:
    it asks the data layer by environment). Also where the operator's SSH keys are, and
    whether the instance's name must be typed whatever the form's own rule (a protected
    environment). An action on marked rows is built from its `bulk.BulkPlan` instead (each
    instance with its environment, and those skipped with why)."""

    environment: EnvironmentRef
    data: FleetData
    instance: Instance | None = None
    ssh_dir: Path | None = None
    name_always_needed: bool = False
    # The environment is protected (the profile's protected_environments): the form says so.
    protected: bool = False

    @property
    def scope(self) -> ComputeScope:
        """Where the form's request goes: its environment's compute scope."""
        return self.data.scope(self.environment)

    def the_instance(self) -> Instance:
        if self.instance is None:
            raise ValueError("this form is about an instance, and none was given")
        return self.instance


# What the action table names to open a form: a callable from a context to the form (a form
# class is one: `DestroyForm(context)`).
FormFactory = Callable[[FormContext], "FormScreen"]


def _shown(widget: Widget) -> bool:
    """Whether a widget is on view: rows hide whole (a fixed-size disk's size), so look up."""
    return all(getattr(node, "display", True) for node in widget.ancestors_with_self)


class FormScreen(DialogScreen["Task | None"]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit"),
        Binding("ctrl+r", "reload", "Reload lists", show=False),
    ]

    ACTION_LABEL: ClassVar[str] = "OK"
    ACTION_VARIANT: ClassVar[str] = "primary"
    BUSY_LABEL: ClassVar[str] = "Sending…"

    loaded: var[bool] = var(False, init=False)
    """The lists the form needs are in: until then nothing can be sent."""
    sending: var[bool] = var(False, init=False)
    """The request is on its way: the button says so and cannot be pressed twice."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # The footer names the form's action ("ctrl+s Create"), not a generic "Submit".
        if "ACTION_LABEL" in cls.__dict__ and "BINDINGS" not in cls.__dict__:
            cls.BINDINGS = [Binding("ctrl+s", "submit", cls.ACTION_LABEL)]
        super().__init_subclass__(**kwargs)

    def __init__(self, context: FormContext) -> None:
        super().__init__()
        self.context = context
        # Reads go through the app's data layer, for this environment.
        self.environment = context.environment
        self.data = context.data
        # Fields the operator has edited: only these are checked live, so a fresh form
        # does not greet them with a wall of "required".
        self._touched: set[str] = set()
        self._escape_armed = False
        self.action_label = self.ACTION_LABEL
        # Set by the caller to send through its task tracker (which then follows the request
        # even if this form closes before the answer); None sends with `send()` directly.
        self.submitter: Callable[[FormScreen], Awaitable[Task]] | None = None
        # Values the inputs opened with: their first Changed event is not the operator's doing.
        self._initial: dict[str, str] = {}
        # Selects whose list the operator has had open: Enter on them may send.
        self._selects_shown: set[Select[Any]] = set()

    # --- to fill in -----------------------------------------------------------------

    def form_title(self) -> str:
        raise NotImplementedError

    def environment_note(self) -> str:
        """The line under the title that says where the form acts."""
        where = f"Environment: {printable(str(self.environment), limit=80)}"
        return where + " (protected)" if self.context.protected else where

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
            # Titles quote server text (the instance's name): shown literally.
            title = self.form_title() + ("  PROTECTED ENVIRONMENT" if self.context.protected else "")
            yield Static(safe(title), id="form-title", classes="title")
            # Where it acts, always: the same name may live in every environment of a fleet,
            # so typing it confirms nothing about where.
            yield Static(safe(self.environment_note()), id="form-environment", classes="title")
            yield LoadingIndicator(id="loading")
            with VerticalScroll(id="fields", can_focus=False):
                yield from self.compose_fields()
            yield Static("", id="form-error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.action_label, id="submit", variant=self.ACTION_VARIANT, disabled=True)  # type: ignore[arg-type]
        yield KeyFooter()

    def on_mount(self) -> None:
        self._initial = {i.id: i.value for i in self.query(Input) if i.id}
        self.load_lists()

    def on_resize(self) -> None:
        # The dialog sizes to its fields but must keep its error line and buttons on screen:
        # CSS cannot say "auto, capped at the screen minus the rest", so cap the fields here.
        chrome = 15  # borders, title, environment, error line, buttons, footer
        self.query_one("#fields").styles.max_height = max(3, self.size.height - chrome)

    # --- reactive state -------------------------------------------------------------

    def watch_loaded(self) -> None:
        self.refresh_submit_button()

    def watch_sending(self, sending: bool) -> None:
        self.set_submit_label(self.BUSY_LABEL if sending else self.action_label)
        self.refresh_submit_button()
        if not sending:
            self._escape_armed = False

    def submit_allowed(self) -> bool:
        """Whether the action button may be pressed; the purge form adds its own gate."""
        return self.loaded and not self.sending

    def set_submit_label(self, label: str) -> None:
        """Relabel the action button and let it grow: Button.label does not lay out again,
        so a longer label ("Destroy and purge") would be cut to the old width."""
        for button in self.query("#submit").results(Button):
            button.label = label
            button.refresh(layout=True)

    def refresh_submit_button(self) -> None:
        for button in self.query("#submit").results(Button):
            button.disabled = not self.submit_allowed()

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
        self.on_fields_changed()

    def action_reload(self) -> None:
        if not self.sending:
            self.load_lists()

    # --- fields ---------------------------------------------------------------------

    def fields(self) -> list[Field]:
        return list(self.query(Field).results(Field))

    def field(self, name: str) -> Field | None:
        """The field the API calls `name`. Found by comparison, never by a CSS query: a name
        the server sends back may hold anything."""
        return next((f for f in self.fields() if f.field == name), None)

    def visible_fields(self) -> list[Field]:
        return [f for f in self.fields() if _shown(f) and not f.widget.disabled]

    # --- checking -------------------------------------------------------------------

    def show_field_error(self, field: str, message: str) -> None:
        found = self.field(field)
        if found is not None:
            found.show_error(message)

    def show_field_errors(self, errors: dict[str, str], fields: set[str] | None = None) -> None:
        """Show `errors` on `fields` (all fields when None), clearing the others' lines."""
        for found in self.fields():
            if fields is None or found.field in fields:
                found.show_error(errors.get(found.field, ""))

    def show_form_error(self, message: str) -> None:
        line = self.query_one("#form-error", Static)
        line.update(safe(message, keep_newlines=True))
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
        inputs = [i for i in self.query(Input) if not i.disabled and _shown(i)]
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

    def on_key(self, event: events.Key) -> None:
        """Enter on the only field of a form sends it, even when that field is a Select
        (whose Enter would otherwise open its list again)."""
        if event.key != "enter":
            return
        only = [f.widget for f in self.visible_fields()]
        select = only[0] if len(only) == 1 and isinstance(only[0], Select) else None
        if select is not None and self.focused is select and select.selection is not None:
            if select not in self._selects_shown:
                # A choice the form made (a preselected key) is never sent unseen: this Enter
                # opens the list, showing it; the Enter after the list closes sends.
                return
            event.stop()
            event.prevent_default()
            self.action_submit()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A Select's list got the focus: it is open, its choices are seen."""
        if isinstance(event.widget, SelectOverlay):
            select = next((node for node in event.widget.ancestors if isinstance(node, Select)), None)
            if select is not None:
                self._selects_shown.add(select)

    # --- pastes that land on no text field -------------------------------------------

    def paste_target(self) -> Input | None:
        """Where a paste goes when the focus is on a button or a list: the only text field."""
        inputs = [f.widget for f in self.visible_fields() if isinstance(f.widget, Input)]
        return inputs[0] if len(inputs) == 1 else None

    def on_paste(self, event: events.Paste) -> None:
        """A paste that reached the form was taken by no field (the focus is on a button or a
        list): give it to the form's text field rather than drop it."""
        event.stop()
        target = self.paste_target()
        if target is None:
            self.show_form_error("Nothing took the paste: Tab to a text field, then paste again.")
            return
        self.set_focus(target)
        text = one_line(event.text, target.paste_joiner if isinstance(target, FieldInput) else " ")
        target.insert_text_at_cursor(text)

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
        self.send_and_dismiss()

    @work(exclusive=True, group="form-submit", exit_on_error=False)
    async def send_and_dismiss(self) -> None:
        """THE send path: awaits `send()`, then dismisses with its Task, or stays open with
        the error. Everything a form sends goes through here."""
        self.sending = True
        try:
            # Through the app's task tracker when the caller set one: the request is then
            # followed to its end even if this form is closed before the answer comes.
            task = await (self.submitter(self) if self.submitter is not None else self.send())
        except Exception as exc:  # noqa: BLE001 - stay open whatever went wrong; typed values stay put
            self.sending = False
            self.show_form_error(describe_error(exc))
            named = field_errors(exc)
            for field, message in named.items():
                self.show_field_error(field, message)
            if named:
                self._focus_field(next(iter(named)))
            return
        if self.is_active:
            self.dismiss(task)
        # else: closed early with a second Escape; the Task is dropped here (a tracker that
        # outlives the form must take it: see the lead's task tracker).

    def _focus_field(self, field: str) -> None:
        found = self.field(field)
        if found is not None and found.widget.focusable:
            found.widget.focus()

    def action_cancel(self) -> None:
        if self.sending and not self._escape_armed:
            # The request may already be on its way: closing now would hide its outcome.
            self._escape_armed = True
            self.show_form_error("Waiting for the server… press Escape again to close without waiting.")
            return
        self.dismiss(None)


class InstanceFormScreen(FormScreen):
    """A form about one instance of one environment."""

    def __init__(self, context: FormContext) -> None:
        super().__init__(context)
        self.instance = context.the_instance()

    @property
    def compute(self) -> ComputeScope:
        """Where this form's request goes (its instance's environment), from the data layer."""
        return self.context.scope
