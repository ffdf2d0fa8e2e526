"""The command palette's own entries (ctrl+p): every action on the selection, with the reason
when it is not allowed now; jump to an instance by name; switch environment.

Everything here may quote server text (instance and environment names), and Textual parses
a hit's prompt as markup unless it is a rich `Text`, and its help always: so prompts are
`Text` of printable strings and help texts are ours alone, never a name. An entry runs the
very path of its key (`act(...)`: refusal, confirmation, protected environment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from cca_tui.fleet.environments import EnvironmentChoice
from cca_tui.fleet.identity import environment_of, environment_text
from cca_tui.ui.actions import INSTANCE_ACTIONS, availability
from cca_tui.ui.keys import first_key_text
from cca_tui.ui.safe_text import printable
from cca_tui.ui.state import EnvironmentRef

if TYPE_CHECKING:
    from cca_tui.ui.app import CcaApp
    from cca_tui.ui.screens.instances import InstanceScreen

NAME_LIMIT = 60
# Jump hits at most per query: a fleet of 100,000 must not flood the palette.
MAX_JUMPS = 50
# Up to this many instances the jump entries match fuzzily; above, by substring first.
FUZZY_UP_TO = 2000


def plain(*parts: str | tuple[str, str]) -> Text:
    """A prompt as literal text: markup is not read, control characters are escaped."""
    text = Text()
    for part in parts:
        if isinstance(part, tuple):
            text.append(printable(part[0], limit=200), style=part[1])
        else:
            text.append(printable(part, limit=200))
    return text


class InstancePalette(Provider):
    """Actions, instances and environments, as plain-text palette entries."""

    @property
    def cca(self) -> CcaApp:
        return cast("CcaApp", self.app)

    async def startup(self) -> None:
        self._environments: list[EnvironmentChoice] = []
        if self.cca.client is None:
            return
        known = self.cca.data.known_environments
        if known is not None:  # read by the picker or `--env`: no request at each opening
            self._environments = known.choices
            return
        try:
            listed = await self.cca.data.environments()
        except Exception:  # noqa: BLE001 - the palette works without them; the picker says why
            return
        self._environments = listed.choices

    def _instance_screen(self) -> InstanceScreen | None:
        from cca_tui.ui.screens.instances import InstanceScreen

        return self.screen if isinstance(self.screen, InstanceScreen) else None

    # --- entries ------------------------------------------------------------------------

    def _actions(self) -> Iterator[tuple[str, Text, Callable[[], object], str, bool]]:
        """(what is matched, prompt, command, help, allowed) for each action on the selection,
        or on the marked rows when there are marks (as the action bar counts them)."""
        screen = self._instance_screen()
        if screen is None:
            return
        view, settings = screen.view, self.cca.settings
        selected = view.selected
        if selected is None and not view.marked:
            return
        answers = availability(view, read_only=settings.read_only, profile=settings.profile_name)
        for spec in INSTANCE_ACTIONS:
            answer = answers[spec.action]
            reason = answer.refusal
            if view.marked:
                name = (
                    f"{answer.marked} of {len(view.marked)} marked" if answer.marked else f"{len(view.marked)} marked"
                )
            else:
                assert selected is not None
                name = printable(selected.name, limit=NAME_LIMIT)
                if view.is_fleet:  # the same name may live in every environment of the fleet
                    name += f" in {environment_text(environment_of(selected))}"
            prompt = plain(f"{spec.long_label} {name}")
            if reason is not None:
                prompt.append(f"  not now: {printable(reason, limit=120)}", style="dim")
            key = first_key_text(spec.binding_id, spec.key, self.cca.settings.keymap)
            help_text = f"key {key}" + (f": {spec.note}" if spec.note else "")
            command = partial(screen.action_act, spec.action.value)
            yield f"{spec.long_label} {name}", prompt, command, help_text, reason is None

    def _jumps(self) -> Iterator[tuple[str, Text, Callable[[], object]]]:
        """Every instance of every environment shown so far (current first)."""
        current = self._instance_screen()
        screens = self.cca.environment_screens()
        if current is not None:
            screens = [current, *(s for s in screens if s is not current)]
        for screen in screens:
            here = screen is current
            for instance in screen.view.instances.values():
                # Where it lives, unless the current screen shows it and only its environment.
                where = (
                    "" if here and not screen.view.is_fleet else f"  in {environment_text(environment_of(instance))}"
                )
                prompt = plain(f"Go to {printable(instance.name, limit=NAME_LIMIT)}", (where, "dim"))
                yield instance.name, prompt, partial(self.cca.show_instance, instance.key)

    def _switches(self) -> Iterator[tuple[str, Text, Callable[[], object]]]:
        for choice in self._environments:
            mark = (
                "  (protected)"
                if self.cca.safety.is_protected(EnvironmentRef(choice.service_code, choice.name))
                else ""
            )
            prompt = plain(f"Switch to {choice.ref}", (mark, "bold"))
            yield (
                choice.ref,
                prompt,
                partial(self.cca.open_environment, choice.service_code, choice.name),
            )

    # --- Provider -------------------------------------------------------------------------

    async def discover(self) -> Hits:
        for _, prompt, command, help_text, _allowed in self._actions():
            yield DiscoveryHit(prompt, command, text=prompt.plain, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for matched, prompt, command, help_text, allowed in self._actions():
            # The reason is shown, not matched ("stop" must not find "Start: needs Stopped"),
            # and a disabled action ranks below an allowed one.
            score = matcher.match(matched) * (1.0 if allowed else 0.5)
            if score > 0:
                yield Hit(score, prompt, command, text=prompt.plain, help=help_text)
        jumps = 0
        needle = query.lower().removeprefix("go to ").strip()
        fuzzy = sum(len(s.view.instances) for s in self.cca.environment_screens()) <= FUZZY_UP_TO
        for name, prompt, command in self._jumps():
            shown = printable(name, limit=NAME_LIMIT)
            if not fuzzy and needle not in shown.lower():
                continue  # a big fleet: substrings only, the fuzzy match of each name costs
            score = matcher.match(f"go to {shown}")
            if score > 0:
                yield Hit(score, prompt, command, text=prompt.plain, help="jump to the instance")
                jumps += 1
                if jumps >= MAX_JUMPS:
                    break
        for ref, prompt, command in self._switches():
            score = matcher.match(f"switch to {ref}")
            if score > 0:
                yield Hit(score, prompt, command, text=prompt.plain, help="open the environment")
