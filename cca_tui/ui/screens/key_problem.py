"""Shown instead of a blank table when the API key is missing or rejected."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Static

from cca_tui.ui.safe_text import printable, safe
from cca_tui.ui.widgets.key_footer import KeyFooter

HOW_TO = """\
Give cca-tui an API key (it is never shown, printed or logged):

• for this shell:  export CCA_API_KEY=...  then run cca-tui again
• from a password manager, in {config}:
      [profiles.{profile}]
      api_key_command = "pass show cloudca/api-key"
• inline, as api_key = "...", in a file only you can read:
      chmod 600 {config}

Create a key in the cloud.ca portal, under your user's API keys.
To try cca-tui without an account: cca-tui --demo\
"""


class KeyProblemScreen(Screen[None]):
    BINDINGS = [Binding("q", "app.quit", "Quit")]
    DEFAULT_CSS = """
    KeyProblemScreen { align: center middle; }
    KeyProblemScreen > Vertical { width: 100%; max-width: 90; height: auto; max-height: 100%; border: heavy $error; padding: 0 1; overflow-y: auto; }
    KeyProblemScreen Static { width: 100%; height: auto; }
    KeyProblemScreen #problem { color: $error; text-style: bold; margin-bottom: 1; }
    """

    def __init__(self, problem: str, *, profile: str, config_path: str) -> None:
        super().__init__()
        self.problem = problem
        self.profile = profile
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with Vertical():
            # The problem may quote the server (a 401's message): shown literally, escaped.
            yield Static(safe(self.problem, keep_newlines=True, limit=1000), id="problem")
            how_to = HOW_TO.format(config=printable(self.config_path), profile=printable(self.profile))
            yield Static(safe(how_to, keep_newlines=True))
        yield KeyFooter()
