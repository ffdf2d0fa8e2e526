"""The detail pane: every attribute of the selected instance, its public IPs, NICs and rules.

It follows the environment's view (bound with data_bind): what the list knows is shown at
once, and the full retrieve with the NICs and port forwarding rules is fetched when the
cursor has rested on an instance for DETAIL_DEBOUNCE seconds, or when its state changes.
Every server value goes through `safe`: shown literally, control characters escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import Any, Self

from rich.console import Console, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import work
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from cca_tui.api.errors import CloudCAError
from cca_tui.api.models import AffinityGroup, Instance, InstancePublicIp, Nic, PortForwardingRule, Volume
from cca_tui.fleet.data import FleetData, InstanceDetail, NotPlaced
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.errors import describe_error
from cca_tui.ui.format import memory_text, ssh_commands, state_style
from cca_tui.ui.safe_text import safe
from cca_tui.ui.state import EnvironmentView

# The pane waits this long after the cursor stops before it asks the server.
DETAIL_DEBOUNCE = 0.25
# The scrollable height is a multiple of this many lines, and shrinks only by more than
# HEIGHT_SLACK lines (see DetailPane._resize).
HEIGHT_STEP = 8
HEIGHT_SLACK = 16


# Labels are this wide (the longest, "Private IP", "vCPU / RAM"), values start one cell after.
LABEL_WIDTH = 10
# Width assumed when no width is given (a console of its own, in tests).
DEFAULT_WIDTH = 80


# (label, value, atomic): an atomic value (an id, a MAC address) is never broken in the middle.
_Field = tuple[str, Text | str | None, bool]
# Text.wrap wants a console; it reads nothing of it for left-justified text.
_WRAPPER = Console(width=DEFAULT_WIDTH, color_system=None, force_terminal=False, legacy_windows=False)


def _fields(fields: list[_Field], width: int) -> list[RenderableType]:
    """Label / value lines, one Text each (a rich Table measures every cell on every render:
    most of a selection change's cost). A value wraps under itself; an atomic one that does
    not fit beside its label goes whole on the line below it (cropped, never wrapped, on a
    pane narrower than the value: the pane's minimum width holds a UUID)."""
    room = max(1, width - LABEL_WIDTH - 1)
    indent = " " * (LABEL_WIDTH + 1)
    lines: list[Text] = []
    for label, value, atomic in fields:
        if value is None or value == "":
            continue
        text = value if isinstance(value, Text) else safe(value)
        head = Text(label.ljust(LABEL_WIDTH), style="bold cyan", end="")
        if text.cell_len <= room and "\n" not in text.plain:
            lines.append(Text.assemble(head, " ", text, end=""))
        elif atomic:
            lines.append(head)
            lines.append(text)
        else:
            for n, part in enumerate(text.wrap(_WRAPPER, room)):
                lines.append(Text.assemble(head if n == 0 else indent, " ", part, end=""))
    for line in lines:  # a value too wide for the pane is cropped, never wrapped again
        line.no_wrap, line.overflow, line.end = True, "crop", "\n"
    return list(lines)


def _affinity_text(instance: Instance, groups: dict[str, AffinityGroup]) -> Text | str:
    """The groups by name (an id the list does not know is shown as it is)."""
    if not instance.affinity_group_ids:
        return "none"
    names = []
    for group_id in instance.affinity_group_ids:
        group = groups.get(group_id)
        names.append(group.name if group is not None else group_id)
    return safe(", ".join(names))


def _attributes(detail: InstanceDetail, width: int) -> list[RenderableType]:
    instance = detail.instance
    cpu = instance.cpu_count if instance.cpu_count is not None else "?"
    fields: list[_Field] = [
        ("Name", instance.name, False),
        ("State", safe(instance.state, state_style(instance.state)), False),
        ("ID", instance.id, True),
        ("Hostname", instance.hostname, False),
        ("Username", instance.username, False),
        ("Private IP", instance.ip_address, True),
        ("MAC", instance.mac_address, True),
        ("Offering", instance.compute_offering_name, False),
        ("vCPU / RAM", f"{cpu} / {memory_text(instance.memory_in_mb)}", False),
        ("Template", instance.template_name, False),
        ("Zone", instance.zone_name, False),
        ("Network", instance.network_name, False),
        ("VPC", instance.vpc_name, False),
        ("Password", {True: "enabled", False: "disabled", None: None}[instance.is_password_enabled], False),
        ("SSH key", instance.ssh_key_name, False),
        ("Affinity", _affinity_text(instance, detail.affinity_groups), False),
    ]
    if instance.user_data:
        fields.append(("User data", safe(instance.user_data, "dim", limit=200, keep_newlines=True), False))
    return _fields(fields, width)


def _identifiers(instance: Instance, width: int) -> list[RenderableType]:
    """The ids an operator pastes into scripts: last, they are long and rarely read."""
    return _fields(
        [
            ("Template", instance.template_id, True),
            ("Offering", instance.compute_offering_id, True),
            ("Network", instance.network_id, True),
            ("VPC", instance.vpc_id, True),
            ("Zone", instance.zone_id, True),
        ],
        width,
    )


def _section(title: str) -> list[RenderableType]:
    """A blank line, then the title (two one-line Texts: the pane draws those directly)."""
    return [Text(""), Text(title, style="bold underline")]


def _listing(
    title: str,
    rows: list[Any] | None,
    *,
    known: bool,
    error: str | None,
    lines: Callable[[list[Any]], list[RenderableType]],
) -> list[RenderableType]:
    """A titled section: 'loading…' until known, 'none' when empty, else its lines."""
    parts: list[RenderableType] = _section(title)
    if not known:
        parts.append(Text("unknown" if error else "loading…", style="dim"))
    elif not rows:
        parts.append(Text("none", style="dim"))
    else:
        parts.extend(lines(rows))
    return parts


def _line(*pieces: tuple[str, str]) -> Text:
    """One entry of a section as wrapping text: each piece literal, wrapped between pieces
    (an address or a port range is one piece: it is never broken unless wider than the pane)."""
    text = Text()
    for n, (value, style) in enumerate(pieces):
        if n:
            text.append(" ")
        text.append_text(safe(value, style))
    return text


def _public_ips_lines(public_ips: list[InstancePublicIp]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for ip in public_ips:
        pieces = [(ip.ip_address or "?", "bold"), (", ".join(ip.purposes) or "-", "")]
        if ip.ports:
            pieces.append(("ports " + ", ".join(ip.ports), "dim"))
        lines.append(_line(*pieces))
    return lines


def _volumes_lines(volumes: list[Volume]) -> list[RenderableType]:
    """The root volume first, then the data volumes, each with its size."""
    ordered = sorted(volumes, key=lambda v: ((v.type or "").lower() != "os", (v.name or "").lower()))
    lines: list[RenderableType] = []
    for volume in ordered:
        kind = "root" if (volume.type or "").lower() == "os" else "data"
        size = f"{volume.size_in_gb} GB" if volume.size_in_gb is not None else "? GB"
        pieces = [(kind, "bold"), (size, ""), (volume.name or volume.id, "")]
        if volume.disk_offering_name:
            pieces.append((f"({volume.disk_offering_name})", "dim"))
        lines.append(_line(*pieces))
    return lines


def _nics_lines(nics: list[Nic]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for nic in nics:
        pieces = [
            ("*" if nic.is_default else "-", "bold"),
            (nic.ip_address or "?", "bold"),
            ("on", "dim"),
            (nic.network_name or nic.network_id or "?", ""),
        ]
        secondary = [s.ip_address or "?" for s in nic.secondary_ips]
        if secondary:
            pieces.append(("secondary " + ", ".join(secondary), "dim"))
        lines.append(_line(*pieces))
    lines.append(Text("* default NIC", style="dim"))
    return lines


def _rules_lines(instance: Instance) -> Callable[[list[PortForwardingRule]], list[RenderableType]]:
    def build(rules: list[PortForwardingRule]) -> list[RenderableType]:
        lines: list[RenderableType] = []
        for rule in rules:
            public = f"{rule.ip_address}:{_ports(rule.public_port_start, rule.public_port_end)}"
            private = f"{rule.private_ip or instance.ip_address or '?'}:{_ports(rule.private_port_start, rule.private_port_end)}"
            lines.append(_line((public, ""), ("→", "dim"), (private, ""), ((rule.protocol or "").upper(), "dim")))
        return lines

    return build


def render_detail(detail: InstanceDetail, width: int = DEFAULT_WIDTH) -> RenderableType:
    """Everything about one instance, for a pane whose content is `width` cells wide."""
    return Group(*detail_parts(detail, width))


def detail_parts(detail: InstanceDetail, width: int = DEFAULT_WIDTH) -> list[RenderableType]:
    """`render_detail`'s pieces, top to bottom (most of them one line of Text each)."""
    instance = detail.instance
    parts: list[RenderableType] = _attributes(detail, width)
    commands = ssh_commands(instance, detail.rules)
    if commands:
        parts += _section("SSH")
        # A refused one ("no ssh command: ...") must not look like a command to paste.
        parts.extend(
            Text.assemble(safe(command, "bold green" if command.startswith("ssh ") else "yellow"))
            for command in commands
        )
    fetched = detail.complete
    parts += _listing(
        "Public IPs",
        instance.public_ips,
        known=instance.public_ips is not None,
        error=detail.error,
        lines=_public_ips_lines,
    )
    parts += _listing("Volumes", detail.volumes, known=fetched, error=detail.error, lines=_volumes_lines)
    parts += _listing("NICs", detail.nics, known=fetched or bool(detail.nics), error=detail.error, lines=_nics_lines)
    parts += _listing(
        "Port forwarding",
        detail.rules,
        known=fetched or bool(detail.rules),
        error=detail.error,
        lines=_rules_lines(instance),
    )
    parts += _section("IDs")
    parts.extend(_identifiers(instance, width))
    if detail.error:
        parts.append(Text(""))
        parts.append(safe(detail.error, "bold red"))
    return parts


def render_strips(parts: list[RenderableType], width: int, style: Style, console: Console) -> list[Strip]:
    """The pieces as lines `width` cells wide, on `style`: what `console.render_lines` gives
    for `Group(*parts)`, in a fraction of its time. A one-line Text that fits is drawn from its
    own segments; Rich lays out the rest (wrapping, several lines). Rich's layout was most of
    the cost of a selection change: ~3.7 ms for a detail of 40 lines, every move."""
    strips: list[Strip] = []
    options = None
    for part in parts:
        if isinstance(part, Text) and part.cell_len <= width and "\n" not in part.plain and "\t" not in part.plain:
            # Text.render leaves out the Text's own style when it has no spans (Rich's layout
            # turns it into one): add it here.
            own = part.render(console) if part.spans else [Segment(part.plain, console.get_style(part.style or ""))]
            segments = list(Segment.apply_style(own, style))
            if part.cell_len < width:
                segments.append(Segment(" " * (width - part.cell_len), style))
            strips.append(Strip(segments, width))
            continue
        if options is None:
            options = console.options.update(width=width, min_width=width, max_width=width, height=None)
        strips.extend(Strip(line, width) for line in console.render_lines(part, options, style=style, pad=True))
    return strips


def _ports(start: str | None, end: str | None) -> str:
    if start and end and start != end:
        return f"{start}-{end}"
    return start or end or "?"


class DetailPane(ScrollView, can_focus=True):
    """Draws the detail with Textual's line API, at a size that never depends on what it
    shows: a new selection repaints the pane alone, with no layout pass of the screen (a
    Static whose text changes height re-lays out the whole screen, 60-300 ms per key in a
    real terminal). The detail is rendered to lines once per selection and width; the
    scrollable size is set without a layout, and the vertical scrollbar is always there so
    that its coming and going never asks for one either."""

    DEFAULT_CSS = """
    DetailPane {
        border: round $primary-darken-1; border-title-color: $text; padding: 0 0 0 1;
        overflow-x: hidden; overflow-y: scroll; scrollbar-size-vertical: 1;
    }
    """

    # repaint=False: `show` repaints when the detail changes; a new view that leaves the
    # same instance selected (a filter letter, a task) draws nothing.
    view: reactive[EnvironmentView | None] = reactive(None, init=False, repaint=False)
    # While `show` sets the border title (see `refresh`); a class default: Widget.__init__
    # refreshes before ours runs.
    _whole_repaint_held = False

    def __init__(self, data: FleetData, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The app's data layer: it knows where each row lives and fetches its detail.
        self.data = data
        self.border_title = "Details"
        self.detail: InstanceDetail | None = None
        self._debounce: Timer | None = None
        # The (row key, state) last fetched or being fetched: one request per change.
        self._fetched: tuple[Hashable, str] | None = None
        # `view.refreshed` when the last fetch failed.
        self._failed_after: Mapping[EnvironmentRef, datetime] | None = None
        self._renderable: RenderableType | InstanceDetail = PLACEHOLDER
        # The renderable's lines for (width, style), made when first drawn.
        self._lines: list[Strip] | None = None
        self._lines_key: tuple[int, Style] | None = None
        self._paint_style: Style | None = None

    def watch_view(self, view: EnvironmentView | None) -> None:
        selected = view.selected if view is not None else None
        if view is None or selected is None:
            self._cancel_pending()
            self._fetched = None
            if self.detail is not None:
                self.show(None)
            return
        shown = self.detail
        if shown is None or shown.key != selected.key:
            self.show(InstanceDetail(instance=selected))  # what the list knows, at once
        elif not shown.complete and shown.instance is not selected:
            self.show(InstanceDetail(instance=selected))  # the list's newer copy (renamed...)
        if self._fetched != (selected.key, selected.state):
            self._fetch_soon(selected)
        elif shown is not None and shown.complete and shown.instance.name != selected.name:
            self._fetch_soon(selected)  # renamed behind our back: read it again
        elif shown is not None and shown.error is not None and view.refreshed is not self._failed_after:
            # A list was read whole since this fetch failed (the API is back): read the
            # detail again too, rather than say "unknown" until the operator moves.
            self._fetch_soon(selected)

    def reload(self) -> None:
        """Fetch the selected instance again (a task on it ended: renamed, re-keyed...)."""
        view = self.view
        selected = view.selected if view is not None else None
        if selected is not None:
            self._fetch_soon(selected)

    def _cancel_pending(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None

    def _fetch_soon(self, instance: Instance) -> None:
        self._cancel_pending()
        self._fetched = (instance.key, instance.state)
        self._debounce = self.set_timer(DETAIL_DEBOUNCE, lambda: self._load(instance))

    @property
    def fetch_pending(self) -> bool:
        """A fetch is due (debounce running) or under way: tests wait for it to end."""
        return self._debounce is not None

    @work(exclusive=True, group="detail", exit_on_error=False)
    async def _load(self, row: Instance) -> None:
        self._debounce = None
        try:
            detail = await self.data.detail(row)
        except NotPlaced:
            return  # a row no loader placed (cannot happen in the app): nowhere to ask
        except CloudCAError as exc:
            # The lists read by then (a new mapping each time a list is read whole).
            self._failed_after = self.view.refreshed if self.view is not None else None
            if self._still_selected(row.key):
                current = self.detail.instance if self.detail else None
                if current is not None and current.key == row.key:
                    self.show(InstanceDetail(instance=current, error=describe_error(exc)))
            return
        if self._still_selected(row.key):
            self.show(detail)

    def _still_selected(self, key: Hashable) -> bool:
        view = self.view
        return view is not None and view.selected_key == key

    def show(self, detail: InstanceDetail | None) -> None:
        """Show another detail (or none), repainting only the lines that differ.

        Two instances' details share most of their lines (labels, section titles, many
        values), and each line repainted costs Textual's styling pass: on a move, as much as
        the rest of the frame. The title is in the border, whose setter repaints the whole
        pane: that repaint is held back (see `refresh`) and the border's line repainted."""
        previous = self.detail
        self.detail = detail
        drawn = self._lines if self._lines_key is not None else None
        drawn_key = self._lines_key
        self._whole_repaint_held = True
        try:
            if detail is None:
                self._renderable = PLACEHOLDER
                self.border_title = "Details"
            else:
                self._renderable = detail
                self.border_title = safe(detail.instance.name, limit=50)
        finally:
            self._whole_repaint_held = False
        self._lines = None
        if (previous is None or detail is None or previous.key != detail.key) and self.scroll_offset.y:
            self.scroll_to(0, 0, animate=False, immediate=True)
            drawn = None  # scrolled: everything moves
        scrolled = self.scroll_offset.y
        self._resize()
        if (
            drawn is None
            or not self.is_mounted
            or self._lines is None
            or self._lines_key != drawn_key
            or self.scroll_offset.y != scrolled  # a shorter detail moved the scroll: all moved
        ):
            self.refresh()
            return
        self.refresh(Region(-self.content_offset.x, -self.content_offset.y, self.outer_size.width, 1))
        top = self.scroll_offset.y
        lines = self._lines
        for y in range(top, top + self.scrollable_content_region.height):
            before = drawn[y] if y < len(drawn) else None
            after = lines[y] if y < len(lines) else None
            if before != after:
                self.refresh_line(y)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        """Widget.refresh, except the whole-pane repaint asked by the border title's setter
        while `show` repaints the lines that changed itself."""
        if self._whole_repaint_held and not regions and repaint and not layout and not recompose:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    # --- drawing ----------------------------------------------------------------------

    def _render_lines_now(self) -> list[Strip]:
        width = max(1, self.scrollable_content_region.width)
        style = self._paint_style if self._paint_style is not None else self.rich_style
        if self._lines is None or self._lines_key != (width, style):
            renderable = self._renderable
            parts = detail_parts(renderable, width) if isinstance(renderable, InstanceDetail) else [renderable]
            self._lines = render_strips(parts, width, style, self.app.console)
            self._lines_key = (width, style)
        return self._lines

    def _resize(self) -> None:
        """The scrollable height follows the detail, set without a layout pass (the pane's
        own size does not change).

        A height that changes redraws the scrollbar, every line of it: on every move, as much
        work as the pane's own lines, since the list's version of an instance ("loading…"
        under Volumes, NICs, rules) is shorter than the fetched one. So the height is rounded
        up to HEIGHT_STEP lines and does not shrink by less than HEIGHT_SLACK: moving along
        the list keeps one height, at the cost of a few blank lines at the bottom."""
        if not self.is_mounted or self.scrollable_content_region.width <= 0:
            return
        height = -(-len(self._render_lines_now()) // HEIGHT_STEP) * HEIGHT_STEP
        current = self.virtual_size.height
        if current - HEIGHT_SLACK <= height < current:
            height = current
        size = Size(self.scrollable_content_region.width, height)
        if size != self.virtual_size:
            self.set_reactive(DetailPane.virtual_size, size)
            self._scroll_update(size)

    def on_resize(self) -> None:
        self._lines = None
        self._resize()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style once per paint, not once per line (it walks the ancestors).
        self._paint_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._paint_style = None

    def render_line(self, y: int) -> Strip:
        lines = self._render_lines_now()
        index = y + self.scroll_offset.y
        if 0 <= index < len(lines):
            return lines[index]
        return Strip.blank(self.scrollable_content_region.width, self._paint_style or self.rich_style)

    def on_unmount(self) -> None:
        self._cancel_pending()


PLACEHOLDER = Text("No instance selected", style="dim")
