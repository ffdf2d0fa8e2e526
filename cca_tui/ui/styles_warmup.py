"""Parse the instance screen's widget styles while the operator reads the picker.

Textual parses a widget class's DEFAULT_CSS the first time a widget of that class is
mounted. Opening the instance screen mounted about ten classes never seen before, and their
parsing was one ~90 ms step of the loop, in the middle of the first load (the screen's
longest stall after its first rows). Added and parsed here, at a moment the operator is
reading the environments, the screen's mount finds every source already parsed (Textual
skips a source it already holds, and caches each parse).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App
from textual.dom import DOMNode


def warm_styles(app: App[Any], classes: Iterable[type[DOMNode]]) -> None:
    """Add the default CSS of `classes` (and their bases) to the app's stylesheet, as
    mounting one of each would, and parse it now."""
    stylesheet = app.stylesheet
    for cls in classes:
        # `_get_default_css` reads only the class (its bases' DEFAULT_CSS): no widget made.
        node = cls.__new__(cls)
        for read_from, css, tie_breaker, scope in node._get_default_css():
            stylesheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope)
    stylesheet.parse()
