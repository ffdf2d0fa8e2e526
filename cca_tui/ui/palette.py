"""The command palette's own entries (ctrl+p): every action on the selection, with the reason
when it is not allowed now; jump to an instance by name or id; switch environment.

Everything here may quote server text (instance and environment names), and Textual parses
a hit's prompt as markup unless it is a rich `Text`, and its help always: so prompts are
`Text` of printable strings and help texts are ours alone, never a name. An entry runs the
very path of its key (`act(...)`: refusal, confirmation, protected environment).

At fleet size the "Go to" entries are found in an index of the names and ids of each screen's
list (fleet/jumps.py), made in slices when the palette opens, each query a few string
searches; only the entries shown are built. It lives while the palette is open (kept across
openings, it kept a list a refresh had replaced alive: tens of MB at 50,000 instances).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.fuzzy import Matcher

from cca_tui import pacing
from cca_tui.api.models import Instance
from cca_tui.fleet import jumps
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
# Jump hits at most per query: a fleet of 100,000 must not flood the palette (and each hit
# shown costs the palette's list ~0.5 ms a letter to lay out: 50 of them were ~20 ms). A
# jump has no help line ("Go to" says it): a second line cost another quarter.
MAX_JUMPS = 20
# Except instances named (or of the id) exactly as typed: every one of them, up to this many
# (the same name in each of a fleet's environments is as many instances).
EXACT_JUMPS = 100
# Up to this many instances, names that do not hold the query but match it fuzzily are
# offered too (after those that hold it); above, fuzzy matching every name costs too much.
FUZZY_UP_TO = 2000
# Names matched fuzzily between two gives of the loop.
FUZZY_SLICE = 200
# A jump's score is the matcher's, times this for how its name or id matched (an exact name
# before one that merely starts with the query, before one that holds it).
CLOSENESS_WEIGHT = {jumps.EXACT: 1.5, jumps.START: 1.2, jumps.INSIDE: 1.0}


def jump_index_build(screen: InstanceScreen) -> jumps.JumpIndexBuild:
    """A jump index of the screen's list, to be made: its instances in name order (what the
    row index sorted already)."""
    view = screen.view
    index = view.row_index
    if index is not None and index.instances is view.instances:
        return jumps.JumpIndexBuild(index.name_order())
    return jumps.JumpIndexBuild(list(view.instances.values()))


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
        # The jump indexes are made while the operator starts typing (in background slices:
        # the palette shows first); a query that comes before they are done finishes them.
        # Each screen's jump index, with the list it is made from (a refresh: a new one).
        self._jump_builds: dict[InstanceScreen, tuple[Mapping[Any, Instance], jumps.JumpIndexBuild]] = {}
        self._indexing: asyncio.Task[None] | None = asyncio.create_task(self._index_ahead())
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

    def _jump_screens(self) -> list[InstanceScreen]:
        """The screens whose instances the palette can go to, the current one first."""
        current = self._instance_screen()
        screens = self.cca.environment_screens()
        if current is not None:
            screens = [current, *(s for s in screens if s is not current)]
        return screens

    def _jump_build(self, screen: InstanceScreen) -> jumps.JumpIndexBuild:
        """The screen's jump index, done or not, of the list it shows now."""
        instances = screen.view.instances
        kept = self._jump_builds.get(screen)
        if kept is None or kept[0] is not instances:
            kept = self._jump_builds[screen] = (instances, jump_index_build(screen))
        return kept[1]

    async def _index_ahead(self) -> None:
        started = time.perf_counter()
        for screen in self._jump_screens():
            build = self._jump_build(screen)
            while not build.step():
                started = await pacing.next_slice(started)

    async def shutdown(self) -> None:
        if self._indexing is not None:
            self._indexing.cancel()
        self._jump_builds.clear()

    async def _jump_indexes(self, screens: list[InstanceScreen]) -> list[jumps.JumpIndex]:
        """Each screen's jump index, finished now: the operator waits for them (the loop is
        given back between chunks, not held for input as the background's slices are)."""
        indexes = []
        for screen in screens:
            build = self._jump_build(screen)
            while not build.step():
                await asyncio.sleep(0)
            indexes.append(build.index)
        return indexes

    def _jump_prompt(self, screen: InstanceScreen, instance: Instance, by_id: bool) -> Text:
        # Where it lives, unless the current screen shows it and only its environment.
        here = screen is self._instance_screen() and not screen.view.is_fleet
        where = "" if here else f"  in {environment_text(environment_of(instance))}"
        prompt = plain(f"Go to {printable(instance.name, limit=NAME_LIMIT)}", (where, "dim"))
        if by_id:  # what was asked for is shown
            prompt.append(f"  id {printable(instance.id, limit=NAME_LIMIT)}", style="dim")
        return prompt

    async def _jumps(self, query: str, matcher: Matcher) -> AsyncIterator[Hit]:
        """The "Go to" entries: the instances whose name or id holds the query (exact ones first),
        then in a small fleet those whose name matches it fuzzily, MAX_JUMPS at most."""
        screens = self._jump_screens()
        indexes = await self._jump_indexes(screens)
        found = jumps.find(indexes, jumps.normalised(query), MAX_JUMPS, EXACT_JUMPS)
        for instance, closeness, field, source in found:
            by_id = field == jumps.ID
            matched = f"go to {printable(instance.id if by_id else instance.name, limit=NAME_LIMIT)}"
            # It holds the query, even where the matcher does not see it (past the cut).
            score = (matcher.match(matched) or 1.0) * CLOSENESS_WEIGHT[closeness]
            prompt = self._jump_prompt(screens[source], instance, by_id)
            yield Hit(score, prompt, partial(self.cca.show_instance, instance.key), text=prompt.plain)
        room = MAX_JUMPS - len(found)
        if room <= 0 or sum(len(index.instances) for index in indexes) > FUZZY_UP_TO:
            return
        seen = {item.instance.key for item in found}
        for screen, index in zip(screens, indexes, strict=True):
            for number, instance in enumerate(index.instances):
                if number % FUZZY_SLICE == FUZZY_SLICE - 1:
                    await asyncio.sleep(0)
                if instance.key in seen:
                    continue
                score = matcher.match(f"go to {printable(instance.name, limit=NAME_LIMIT)}")
                if score > 0:
                    seen.add(instance.key)
                    prompt = self._jump_prompt(screen, instance, by_id=False)
                    command = partial(self.cca.show_instance, instance.key)
                    yield Hit(score, prompt, command, text=prompt.plain)
                    room -= 1
                    if room <= 0:
                        return

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
        async for hit in self._jumps(query, matcher):
            yield hit
        for ref, prompt, command in self._switches():
            score = matcher.match(f"switch to {ref}")
            if score > 0:
                yield Hit(score, prompt, command, text=prompt.plain, help="open the environment")
