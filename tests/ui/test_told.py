"""The harness's record of notifications (`told`) keeps what Textual lets expire."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.ui.app_harness import Note, told, wait_until


class Quiet(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("nothing")


async def test_a_notification_that_expired_is_still_told() -> None:
    app = Quiet()
    notes = told(app)
    async with app.run_test(notifications=True) as pilot:  # toasts drawn: they expire on time
        app.notify("gone soon", title="Short", timeout=0.01)
        app.query_one(Static).notify("[b]literal[/b]", severity="warning", markup=False)  # a widget's, too
        # On screen: the long one alone, once the short one has expired.
        await wait_until(pilot, lambda: [n.message for n in app._notifications] == ["[b]literal[/b]"])
    assert notes.notes == [
        Note("Short", "gone soon", "information", True),
        Note("", "[b]literal[/b]", "warning", False),
    ]
    assert notes.titled("Short") == ["gone soon"] and notes.containing("literal") == ["[b]literal[/b]"]
    assert told(app) is notes  # one record per app
