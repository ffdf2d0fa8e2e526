"""Which actions ask before they send, and what the operator must type: pure functions of
the action, the profile's settings and the environment. No Textual: tested as plain code,
read by the key path, the action bar (same path), the palette and, later, bulk actions.

- An action sent at once (no form) asks when the profile's `confirm` lists it, and always in
  a protected environment. A form is itself the question: it shows before it sends.
- A protected environment is one whose name (or `code/name`) matches one of the profile's
  `protected_environments` patterns (shell-style: `production*`).
- Destroy and purge there need the instance's name typed; a bulk action there will need the
  count typed: `text_to_type` takes the targets' names, and `forms.TypedConfirmModal(...,
  expected=text)` asks for it, so bulk needs no new safety code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from cca_tui.ui.actions import Action
from cca_tui.ui.state import EnvironmentRef

# Irreversible, or nearly: in a protected environment they need more than a yes.
TYPED_IN_PROTECTED = frozenset({Action.DESTROY, Action.PURGE})


@dataclass(frozen=True)
class SafetyPolicy:
    confirm: frozenset[str] = frozenset({"stop", "reboot", "resetPassword"})
    protected_patterns: tuple[str, ...] = ()

    def is_protected(self, ref: EnvironmentRef) -> bool:
        return any(fnmatchcase(ref.name, p) or fnmatchcase(str(ref), p) for p in self.protected_patterns)

    def asks(self, action: Action, ref: EnvironmentRef) -> bool:
        """Whether an action sent at once asks first here."""
        return action.value in self.confirm or self.is_protected(ref)

    def text_to_type(self, action: Action, ref: EnvironmentRef, names: Sequence[str]) -> str | None:
        """What must be typed to unlock the action on these instances, None when a yes is
        enough: the name for one instance, the count for several (bulk)."""
        if action not in TYPED_IN_PROTECTED or not self.is_protected(ref) or not names:
            return None
        return names[0] if len(names) == 1 else str(len(names))
