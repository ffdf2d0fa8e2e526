"""How the forms name the API's entities in their Select options: one line an operator can scan."""

from __future__ import annotations

from cca_tui.api.models import ComputeOffering, DiskOffering, Network, Template


def network_label(network: Network) -> str:
    return f"{network.name} ({network.vpc_name or '?'}, {network.zone_name or '?'})"


def template_label(template: Template) -> str:
    return f"{template.name} ({template.os_type})" if template.os_type else template.name


def disk_label(disk: DiskOffering) -> str:
    if disk.custom_size:
        return f"{disk.name} (choose the size)"
    extra = ", choose the IOPS" if disk.custom_iops else ""
    return f"{disk.name} ({disk.gb_size} GB{extra})"


def offering_label(offering: ComputeOffering, current_id: str | None = None) -> str:
    if offering.custom:
        size = "custom: choose vCPUs and memory"
    else:
        size = f"{offering.cpu_count} vCPU, {offering.memory_in_mb} MB"
    mark = "  (current)" if offering.id == current_id else ""
    return f"{offering.name} ({size}){mark}"
