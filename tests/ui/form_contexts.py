"""Forms are built from a context (environment, instance, the app's data layer): the form
tests make one for the compute scope they work in, as the instance screen makes one."""

from __future__ import annotations

from pathlib import Path

from cca_tui.api.client import ComputeScope
from cca_tui.api.models import Instance
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import EnvironmentRef
from cca_tui.ui.forms.base import FormContext


def form_context(
    compute: ComputeScope,
    instance: Instance | None = None,
    *,
    ssh_dir: Path | None = None,
    name_always_needed: bool = False,
) -> FormContext:
    """The context of a form about `instance` (None: a create) in `compute`'s environment,
    reading through a data layer on the same client (so the same transport sees it all)."""
    environment = EnvironmentRef(compute.service_code, compute.environment_name)
    return FormContext(
        environment,
        FleetData(compute.client),
        instance,
        ssh_dir=ssh_dir,
        name_always_needed=name_always_needed,
    )
