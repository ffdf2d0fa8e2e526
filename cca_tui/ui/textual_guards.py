"""Guards around Textual bugs that a busy terminal turns into crashes. Installed once, on import.

OptionList paging before layout (Textual 8.2.8): `_move_page` reads `_index_to_line[highlighted]`,
a map `_update_lines` fills only once the list has a size. A dropdown opened and paged in the
same breath (PageDown typed right after Enter, on a loaded machine) pages a list that was not
laid out yet: `KeyError: 0`, and the app stopped. The same crash is reported downstream
(kagan-sh/kagan-legacy#31, "KeyError crash in action_page OptionsList"); no upstream Textual
issue was found. Until the list has lines, a page key does nothing: the next one, a frame
later, pages as usual.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

_original_move_page = OptionList._move_page


def _move_page_once_laid_out(self: OptionList, direction: Any) -> None:
    if not self._lines or (self.highlighted or 0) not in self._index_to_line:
        return
    _original_move_page(self, direction)


def install() -> None:
    if OptionList._move_page is not _move_page_once_laid_out:
        OptionList._move_page = _move_page_once_laid_out  # type: ignore[method-assign]


install()
