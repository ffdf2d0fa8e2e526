"""An Input whose own editing keys act in order with the letters typed around them."""

from __future__ import annotations

from textual import events
from textual.actions import parse
from textual.binding import NoBinding
from textual.widgets import Input


class KeysInOrderInput(Input):
    """Textual runs a widget's (non-priority) bindings once the key has gone back up to the
    app, while a letter goes straight to the box: a letter read in the same burst as an
    editing key (typed over a slow ssh link, which sends the keys of a packet together) was
    typed before the key acted on the text. "abc", backspace, "d" left "abc"; ctrl+u then
    "w" an empty box (tried in tmux: `/`, ctrl+u "worker" filtered on "rker"). Here the box's
    own bindings (backspace, delete, ctrl+u, ctrl+w, ctrl+k, the cursor moves, Enter) act as
    the box reads them; any other key goes on as before."""

    async def _on_key(self, event: events.Key) -> None:
        action = self._own_action(event)
        # An action may decline (SkipAction: page down in a box that cannot scroll): the key
        # then goes on up, as it did, to the screen's binding (the dialog scrolls).
        if action is not None and await self.app.run_action(action, self):  # (Widget's says nothing)
            event.stop()
            event.prevent_default()  # (Input._on_key, which would type a printable key, is skipped)

    def _own_action(self, event: events.Key) -> str | None:
        """The action of the box's own binding for this key (its aliases included), if it
        would run: what Textual would run for it once the key came back from the app."""
        for key in event.aliases:
            try:
                bindings = self._bindings.get_bindings_for_key(key)
            except NoBinding:
                continue
            for binding in bindings:
                if binding.priority:
                    continue  # the app ran those as it read the key
                _namespace, name, parameters = parse(binding.action)
                if self.check_action(name, parameters):
                    return binding.action
        return None
