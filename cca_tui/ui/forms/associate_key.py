"""Associate an SSH key with an instance, recognising the operator's own key by fingerprint.

The operator's `~/.ssh/*.pub` are fingerprinted locally (MD5, as cloud.ca shows them): the
environment key that matches is marked "yours" and preselected. When none matches, the form
offers to register the local key first, then associates it.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select

from cca_tui.api.errors import (
    CloudCAError,
    NotDone,
    NotFoundError,
    OutcomeUnknown,
    TaskExpired,
    TaskFailed,
    TaskTimeout,
)
from cca_tui.api.models import SSHKey, Task
from cca_tui.ui.errors import describe_error
from cca_tui.ui.safe_text import printable, safe

from .base import FormContext, InstanceFormScreen
from .field import Field, FieldInput
from .fingerprint import AgentKey, LocalKey, agent_public_keys, local_public_keys, same_fingerprint
from .menus import fill_menu

# Select values for "register this local key" are the file path behind this prefix, so they
# can never collide with an environment key's name.
_REGISTER = "register:"


@dataclass(frozen=True)
class KeyLists:
    environment: list[SSHKey]
    local: list[LocalKey]
    agent: list[AgentKey] = field(default_factory=list)
    agent_note: str | None = None


def yours(key: SSHKey, local: list[LocalKey]) -> LocalKey | None:
    return next((mine for mine in local if same_fingerprint(key.fingerprint, mine.fingerprint)), None)


def in_agent(key: SSHKey, agent: list[AgentKey]) -> AgentKey | None:
    """The agent's key with this environment key's fingerprint (cloud.ca gives MD5)."""
    return next((held for held in agent if same_fingerprint(key.fingerprint, held.md5)), None)


def agent_key_name(key: AgentKey, index: int) -> str:
    """A key name from the agent key's comment (`me@laptop` -> `me-laptop`)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", key.comment).strip("-.")[:60]
    return name or f"agent-key-{index + 1}"


def default_key_name(local: LocalKey) -> str:
    """The name the input opens with: a file name or an agent key's comment may hold control
    characters, which an Input would draw raw; shown (and so sent) as visible escapes."""
    return printable(local.path.stem)


class AssociateKeyForm(InstanceFormScreen):
    ACTION_LABEL = "Associate"
    BUSY_LABEL = "Associating…"

    def __init__(self, context: FormContext) -> None:
        super().__init__(context)
        self.ssh_dir = context.ssh_dir if context.ssh_dir is not None else Path.home() / ".ssh"
        self.local: dict[str, LocalKey] = {}
        # Keys this form registered already: a retry after a failed association must not
        # register them a second time (the server would refuse the duplicate name).
        self._registered: dict[str, str] = {}
        self.agent_choices: dict[str, LocalKey] = {}
        self.agent_note: str | None = None  # why no agent key is listed

    def form_title(self) -> str:
        now = f" (now {printable(self.instance.ssh_key_name, limit=40)})" if self.instance.ssh_key_name else ""
        return f"SSH key of {printable(self.instance.name, limit=60)}'s default user{now}"

    def compose_fields(self) -> ComposeResult:
        yield Field(
            "Key", Select[str]([], id="sshKeyName", prompt="Choose a key"), hint="replaces the key of the default user"
        )
        yield Field("Register as", FieldInput(id="name", placeholder="name of the key in cloud.ca"))

    async def fetch(self) -> KeyLists:
        # Reading ~/.ssh is disk I/O: keep it off the event loop alongside the API call.
        keys, local, (agent, agent_note) = await asyncio.gather(
            self.data.ssh_keys(self.environment),
            asyncio.to_thread(local_public_keys, self.ssh_dir),
            asyncio.to_thread(agent_public_keys),
        )
        return KeyLists(keys, local, agent, agent_note)

    def populate(self, lists: KeyLists) -> None:
        options: list[tuple[Text, str]] = []
        preselect: str | None = None
        registered_agent_keys: set[str] = set()
        for key in lists.environment:
            mine = yours(key, lists.local)
            held = in_agent(key, lists.agent)
            name = printable(key.name, limit=40)
            label = f"{name}  {printable(key.fingerprint or '(no fingerprint)', limit=60)}"
            if mine:
                label = (
                    f"{name}  ← yours: {printable(mine.file_name, limit=30)}  {printable(key.fingerprint, limit=60)}"
                )
                preselect = preselect or key.name
            elif held:
                registered_agent_keys.add(held.public_key)
                label = f"{name}  ← in your agent: {held.sha256}  (MD5 {printable(key.fingerprint, limit=60)})"
                preselect = preselect or key.name
            options.append((safe(label), key.name))
        self.local = {}
        # The agent's keys not registered here: register and associate in one step.
        for index, held in enumerate(lists.agent):
            if held.public_key in registered_agent_keys:
                continue
            value = f"{_REGISTER}agent:{index}"
            self.local[value] = LocalKey(Path(agent_key_name(held, index)), held.public_key, held.md5)
            comment = printable(held.comment or "no comment", limit=30)
            options.append((safe(f"Register agent key {comment}  {held.sha256}  (MD5 {held.md5})"), value))
        agent_choices = dict(self.local)
        if preselect is None:
            for mine in lists.local:
                value = f"{_REGISTER}{mine.path}"
                self.local[value] = mine
                file_name = printable(mine.file_name, limit=30)
                options.append((safe(f"Register my key {file_name} ({mine.fingerprint})"), value))
            if self.local:
                preselect = next(iter(self.local))
                self.query_one("#name", Input).value = default_key_name(self.local[preselect])
        if preselect is None and agent_choices:
            preselect = next(iter(agent_choices))
            self.query_one("#name", Input).value = default_key_name(agent_choices[preselect])
        self.agent_choices = agent_choices
        if lists.agent_note and not lists.agent:
            self.agent_note = lists.agent_note
        select = self.query_one("#sshKeyName", Select)
        fill_menu(select, options, keep={preselect or ""})
        if preselect is not None:
            select.value = preselect

    def _local_choice(self) -> LocalKey | None:
        return self.local.get(self.query_one("#sshKeyName", Select).selection or "")

    def on_fields_changed(self) -> None:
        self.query_one("#name-row").display = self._local_choice() is not None

    @on(Select.Changed, "#sshKeyName")
    def _key_changed(self) -> None:
        # A key to register gets its default name, unless the operator typed one of theirs.
        choice = self._local_choice()
        name = self.query_one("#name", Input)
        defaults = {default_key_name(key) for key in self.local.values()}
        if choice is not None and name.value.strip() in defaults | {""}:
            name.value = default_key_name(choice)
        self.on_fields_changed()

    def validate(self) -> dict[str, str]:
        if self.query_one("#sshKeyName", Select).selection is None:
            return {"sshKeyName": "Choose a key"}
        if self._local_choice() is not None:
            name = self.query_one("#name", Input).value.strip()
            if not name:
                return {"name": "Name the key to register it"}
            if any(ch.isspace() for ch in name):
                return {"name": "A key name has no spaces"}
        return {}

    async def send(self) -> Task:
        local = self._local_choice()
        if local is None:
            key_name = self.query_one("#sshKeyName", Select).selection
            assert key_name is not None
        else:
            key_name = self.query_one("#name", Input).value.strip()
            if self._registered.get(str(local.path)) != key_name:
                await self._register(key_name, local)
                self._registered[str(local.path)] = key_name
        return await self.compute.associate_ssh_key(self.instance.id, key_name)

    async def _register(self, key_name: str, local: LocalKey) -> None:
        """Register the local key; when its outcome is unknown, ask whether the key exists now.

        A lost reply to the registration says nothing about the instance (nothing was sent to
        it yet): what the request was about is the key, so the key is looked up. Present with
        our fingerprint: it was registered, carry on. Otherwise nothing was done to the
        instance (raised as NotDone, so R may send it all again).
        """
        try:
            task = await self.compute.register_ssh_key(key_name, local.public_key)
            await self.data.wait_for_task(task)
        except TaskFailed as exc:  # the server says it was not registered
            raise KeyNotRegistered(f"registering the key {key_name} failed: {describe_error(exc)}") from None
        except (OutcomeUnknown, TaskExpired, TaskTimeout) as exc:
            lost = describe_error(exc)
            try:
                found = await self.data.ssh_key(self.environment, key_name)
            except NotFoundError:
                raise KeyNotRegistered(f"the key {key_name} was not registered (reply lost, {lost})") from None
            except CloudCAError as lookup:
                raise KeyNotRegistered(
                    f"registering the key {key_name} had its reply lost ({lost}) and the key could not be "
                    f"looked up ({describe_error(lookup)}): it may exist"
                ) from None
            if not same_fingerprint(found.fingerprint, local.fingerprint):
                raise KeyNotRegistered(
                    f"a key named {key_name} exists with another fingerprint ({found.fingerprint or '?'})"
                ) from None


class KeyNotRegistered(NotDone):
    """The key to associate is not known to be registered: nothing was sent to the instance."""

    def __init__(self, why: str) -> None:
        super().__init__(f"{why}; nothing was done to the instance")
