"""The detail pane draws one-line pieces from their own segments rather than through Rich's
layout (`render_strips`): cell for cell, what Rich draws for the same detail, whatever the
server sent (wide characters, markup-like text, control characters, long values, newlines)."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from textual.strip import Strip

from cca_tui.api.models import Instance, Nic, PortForwardingRule, Volume
from cca_tui.fleet.data import InstanceDetail
from cca_tui.ui.widgets.detail_pane import detail_parts, render_detail, render_strips

UUID = "dc96925e-ccf3-4171-96dc-8907ba6c34ab"
BASE = Style(color="white", bgcolor="black")

Cells = list[tuple[str, Style | None]]


def _instance(**changes: object) -> Instance:
    fields: dict[str, object] = {
        "id": UUID,
        "name": "api-00013",
        "state": "Running",
        "hostname": "api-00013",
        "username": "cca-user",
        "ipAddress": "10.0.0.13",
        "macAddress": "02:00:4a:3b:00:0d",
        "computeOfferingName": "Standard.2",
        "cpuCount": 2,
        "memoryInMB": 4096,
        "templateName": "Ubuntu 22.04",
        "zoneName": "QC-1",
        "networkName": "web-tier",
        "vpcName": "prod-vpc",
        "isPasswordEnabled": False,
        "sshKeyName": "ops",
        "templateId": UUID,
        "computeOfferingId": UUID,
        "networkId": UUID,
        "zoneId": UUID,
        "publicIps": [{"id": "p1", "ipAddress": "203.0.113.9", "purposes": ["PORT_FORWARDING"], "ports": ["22"]}],
    }
    fields.update(changes)
    return Instance.model_validate(fields)


DETAILS = {
    "plain": InstanceDetail(instance=_instance()),
    "hostile": InstanceDetail(
        instance=_instance(
            name="[bold]web[/] \x1b[31mred\x07 ünïcødé 漢字🙂",
            templateName="a template whose name is far longer than any pane is wide, so it wraps",
            userData="#!/bin/sh\necho 'hi'\n\ttabbed\n",
            vpcName="\u200b\u202e evil",
        )
    ),
    "long-id": InstanceDetail(instance=_instance(id="x" * 90, macAddress="m" * 70)),
    "complete": InstanceDetail(
        instance=_instance(),
        nics=[Nic.model_validate({"id": "n1", "ipAddress": "10.0.0.13", "isDefault": True, "networkName": "web"})],
        rules=[
            PortForwardingRule.model_validate(
                {
                    "id": "r1",
                    "ipAddress": "203.0.113.9",
                    "publicPortStart": "2222",
                    "publicPortEnd": "2222",
                    "privatePortStart": "22",
                    "privatePortEnd": "22",
                    "protocol": "tcp",
                }
            )
        ],
        volumes=[Volume.model_validate({"id": "v1", "name": "root", "type": "OS", "sizeInGb": 20})],
        complete=True,
    ),
    "error": InstanceDetail(instance=_instance(), error="HTTP 503 [from the server] " * 6),
}


def _cells(strips: list[Strip]) -> list[Cells]:
    """Each line as (character, style) per character: how a terminal shows it, whatever the
    segments were cut into."""
    return [[(char, segment.style) for segment in strip for char in segment.text] for strip in strips]


@pytest.mark.parametrize("width", [40, 46, 60, 118])
@pytest.mark.parametrize("name", sorted(DETAILS))
def test_the_pane_draws_what_rich_draws(name: str, width: int) -> None:
    detail = DETAILS[name]
    console = Console(width=120, color_system="truecolor", force_terminal=True, legacy_windows=False)
    options = console.options.update(width=width, min_width=width, max_width=width, height=None)
    by_rich = [
        Strip(line, width) for line in console.render_lines(render_detail(detail, width), options, style=BASE, pad=True)
    ]
    drawn = render_strips(detail_parts(detail, width), width, BASE, console)
    assert _cells(drawn) == _cells(by_rich)
    assert all(strip.cell_length == width for strip in drawn)
