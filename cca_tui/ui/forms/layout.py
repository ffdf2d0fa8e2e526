"""The one way a form lays out a field: label, widget, and the line that says what is wrong.

Every field is keyed by the API's camelCase name (`name`, `templateId`, `memoryInMB`...):
the widget's id is that name and its error line is `#<name>-error`, so an error the server
attributes to a field lands under the same widget as the one the form found itself.
"""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


def field_row(label: str, widget: Widget, *, hint: str | None = None) -> Vertical:
    field = widget.id
    if not field:
        raise ValueError("a form field needs an id: the API's name for it")
    children: list[Widget] = [Horizontal(Label(label, classes="field-label"), widget, classes="field-line")]
    if hint:
        children.append(Static(hint, classes="field-hint"))
    children.append(Static("", id=f"{field}-error", classes="field-error"))
    return Vertical(*children, id=f"{field}-row", classes="field")
