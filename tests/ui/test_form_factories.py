"""Forms come from the action table's factories, built from a context; they hold no client."""

from __future__ import annotations

from pathlib import Path

from cca_tui.api.client import CloudCAClient, ComputeScope
from cca_tui.api.models import Instance
from cca_tui.fleet.data import FleetData
from cca_tui.fleet.identity import EnvironmentRef, RowKey, located
from cca_tui.ui.actions import ACTIONS, OpenForm
from cca_tui.ui.forms.base import FormScreen
from tests.ui.form_contexts import form_context


async def test_every_form_is_built_by_the_factory_its_action_names_from_a_context(
    sim_compute: ComputeScope, tmp_path: Path
) -> None:
    """No name to look up and no special case: the action's own factory, given the context
    (environment, instance, the data layer, where the SSH keys are); a form keeps the context
    and reads through the data layer rather than holding a client or a compute scope."""
    instance: Instance = (await sim_compute.list_instances())[0]
    built = []
    for spec in ACTIONS:
        if not isinstance(spec.run, OpenForm):
            continue
        context = form_context(sim_compute, instance if spec.allowed is not None else None, ssh_dir=tmp_path)
        form = spec.run.build(context)
        assert isinstance(form, FormScreen)
        assert form.context is context and form.environment == context.environment
        held = [name for name, value in vars(form).items() if isinstance(value, (CloudCAClient, ComputeScope))]
        assert held == [], f"{type(form).__name__} holds {held}"
        built.append(type(form).__name__)
    assert sorted(built) == [
        "AssociateKeyForm",
        "ChangeNetworkForm",
        "ChangeOfferingForm",
        "CreateInstanceForm",
        "DestroyForm",
        "PurgeForm",
        "RenameForm",
    ]


async def test_the_data_layer_gives_each_row_its_own_environments_scope(sim_compute: ComputeScope) -> None:
    """One place says where a row lives: two rows with the same id in two environments go to
    two scopes, each made once; a row no environment listed has nowhere to go."""
    data = FleetData(sim_compute.client)
    prod, dev = EnvironmentRef("compute-on", "prod"), EnvironmentRef("compute-qc", "dev")
    plain = Instance.model_validate({"id": "same-id", "name": "web-1", "state": "Running"})
    in_prod, in_dev = located(plain, prod), located(plain, dev)
    assert data.scope_of(in_prod) is data.scope(prod) is data.scope_of(RowKey(prod, "same-id"))
    assert (data.scope_of(in_dev).service_code, data.scope_of(in_dev).environment_name) == ("compute-qc", "dev")
    assert data.scope_of(in_dev) is not data.scope_of(in_prod)
    try:
        data.scope_of(plain)
    except ValueError as exc:
        assert "same-id" in str(exc)
    else:
        raise AssertionError("a row no environment listed must have no scope")
