"""How the forms name the API's entities in their Select options: one line an operator can scan.

Every label quotes server text, so each is a rich Text made by `safe`: shown literally,
control characters escaped, long names cut.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.text import Text
from textual.widgets import Select

from cca_tui.api.models import ComputeOffering, DiskOffering, Network, Template, Volume
from cca_tui.ui.safe_text import printable, safe

NAME = 48  # characters of a name in a list, before the ellipsis
DETAIL = 24  # characters of a detail in parentheses


def _p(value: object, limit: int = DETAIL) -> str:
    return printable(value, limit=limit)


def network_label(network: Network) -> Text:
    return safe(f"{_p(network.name, NAME)} ({_p(network.vpc_name or '?')}, {_p(network.zone_name or '?')})")


def template_label(template: Template) -> Text:
    name = _p(template.name, NAME)
    return safe(f"{name} ({_p(template.os_type)})" if template.os_type else name)


def disk_label(disk: DiskOffering) -> Text:
    name = _p(disk.name, NAME)
    if disk.custom_size:
        return safe(f"{name} (choose the size)")
    extra = ", choose the IOPS" if disk.custom_iops else ""
    return safe(f"{name} ({_p(disk.gb_size)} GB{extra})")


def offering_label(offering: ComputeOffering, current_id: str | None = None) -> Text:
    if offering.custom:
        size = "custom: choose vCPUs and memory"
    else:
        size = f"{_p(offering.cpu_count)} vCPU, {_p(offering.memory_in_mb)} MB"
    mark = "  (current)" if offering.id == current_id else ""
    return safe(f"{_p(offering.name, NAME)} ({size}){mark}")


def name_label(name: object) -> Text:
    """An entity known by its name only (an SSH key, an affinity group)."""
    return safe(name, limit=NAME + DETAIL)


def volume_label(volume: Volume, zone_name: str | None = None) -> Text:
    where = f", {_p(zone_name)}" if zone_name else ""
    return safe(f"{_p(volume.name or volume.id, NAME)} ({_p(volume.size_in_gb)} GB{where})")


# A dropdown built from a server list holds at most this many options. Textual's option list
# measures every option at each layout: a server listing 20,000 templates froze the app for
# 37 s when the menu opened (4,000: 6 s; 1,000: 1.3 s, on a loaded machine). Typing in an
# open menu jumps to a match among those shown.
MENU_LIMIT = 500
_CUT = " · the first "


def fill_menu(select: Select[str], options: Sequence[tuple[Text, str]], *, keep: Collection[str] = ()) -> None:
    """Set a dropdown's options from a server list: the first MENU_LIMIT (and any whose value
    is in `keep`, the one to preselect), the prompt saying how many were left out."""
    shown = list(options[:MENU_LIMIT])
    values = {value for _, value in shown}
    shown += [option for option in options[MENU_LIMIT:] if option[1] in keep and option[1] not in values]
    select.set_options(shown)
    base = select.prompt.split(_CUT)[0]
    cut = len(options) - len(shown)
    select.prompt = f"{base}{_CUT}{len(shown)} of {len(options)} are listed" if cut else base
