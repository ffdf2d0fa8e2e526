"""Handing the terminal to another program (ssh) and the clipboard, honestly.

- `run_in_terminal` suspends the app (Textual's `App.suspend`), runs the program on the
  real terminal and waits for it *without blocking the event loop*: the task tracker keeps
  following tasks meanwhile (what it draws is dropped, the screen is redrawn on return).
- `ssh_into` takes the environment and the instance (not a screen): it fetches what ssh
  needs now, builds the command through the one safety rule (`ssh_access.ssh_plan`), runs it.
- `copy_value` sends a value by OSC 52 and says exactly what was sent: a terminal can refuse
  OSC 52 without a word, so the message never says "copied".
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from textual.app import App, SuspendNotSupported

from cca_tui.api.models import Instance
from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable
from cca_tui.ui.ssh_access import prepare_ssh
from cca_tui.ui.state import EnvironmentRef

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp

OSC52_CAVEAT = "Sent to the terminal's clipboard (OSC 52); a terminal may refuse it silently (tmux: set-clipboard on)."


def encodable(text: str) -> bool:
    """Can the terminal be sent this? A lone surrogate (JSON allows "\\ud800") cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def copy_value(app: App[Any], label: str, value: str) -> bool:
    """Send `value` by OSC 52 and show exactly what was sent. False when nothing was sent."""
    if not encodable(value):
        app.notify(
            f"{label} not copied: it holds characters a terminal cannot receive ({printable(value, limit=80)})",
            severity="warning",
            markup=False,
        )
        return False
    app.copy_to_clipboard(value)
    app.notify(f"{printable(value, limit=300)}\n{OSC52_CAVEAT}", title=f"{label} sent", markup=False, timeout=8)
    return True


@contextlib.contextmanager
def _interrupt_goes_to_child() -> Iterator[None]:
    """While the child has the terminal, Ctrl-C (SIGINT to the whole foreground group) is
    the child's business: the app ignores it. A handler, not SIG_IGN, so the child (which
    execs) gets the default action back."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, lambda: None)
        installed = True
    except (NotImplementedError, RuntimeError, ValueError):
        installed = False
    try:
        yield
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)


async def run_in_terminal(app: App[Any], argv: list[str]) -> int | None:
    """Run `argv` on the terminal with the app suspended; its exit status, or None when this
    terminal cannot be handed over (web mode, headless) and nothing was run."""
    try:
        with app.suspend(), _interrupt_goes_to_child():
            process = await asyncio.create_subprocess_exec(*argv)
            return await process.wait()
    except SuspendNotSupported:
        return None


async def ssh_into(app: CcaApp, ref: EnvironmentRef, instance: Instance) -> None:
    """`S`: ssh to the instance, back to the app when ssh exits."""
    compute = app.data.scope(ref)
    settings = app.settings
    try:
        current, plan = await prepare_ssh(
            compute,
            instance.id,
            template=settings.ssh_command,
            jump_host=settings.ssh_jump_host,
            ssh_dir=app.ssh_dir,
        )
    except Exception as exc:  # noqa: BLE001 - any failure to look it up is said, nothing runs
        app.notify(describe_error(exc), title="ssh: could not look the instance up", severity="error", markup=False)
        return
    name = printable(current.name, limit=40)
    history = app.tasks.history
    if plan.argv is None:
        app.notify(plan.refusal or "no ssh command", title="ssh", severity="warning", markup=False, timeout=12)
        if history is not None:
            history.note(ref, current.id, current.name, "ssh", "NOT RUN", plan.refusal or "no ssh command")
        return
    try:
        status = await run_in_terminal(app, plan.argv)
    except OSError as exc:
        app.notify(f"{printable(plan.argv[0])} could not be started: {exc.strerror}", severity="error", markup=False)
        return
    if status is None:
        app.notify(
            f"This terminal cannot be handed over (web mode?): nothing was run.\n{printable(plan.line)}",
            title=f"ssh {name}",
            severity="warning",
            markup=False,
        )
        return
    ended = "ended" if status == 0 else f"ended with status {status}"
    if history is not None:
        history.note(ref, current.id, current.name, "ssh", f"EXIT {status}", plan.line)
    app.notify(f"{printable(plan.line, limit=200)}", title=f"ssh to {name} {ended}", markup=False)
