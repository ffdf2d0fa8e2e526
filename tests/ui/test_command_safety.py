"""The one rule for commands built from server text (copied or run): plain values only.

Pure tests of cca_tui/ui/command_safety.py and ssh_access.ssh_plan over the hostile corpora:
a hostile user, address or port never reaches an argv or a copied line; it is refused with a
reason. Pilot tests of the copy menu and `S` check the same through the app.
"""

from __future__ import annotations

import shlex

import pytest

from cca_tui.api.models import Instance, InstancePublicIp, PortForwardingRule
from cca_tui.ui.command_safety import SshTarget, UnsafeCommand, check_host, check_jump, ssh_argv
from cca_tui.ui.copy_choices import copy_choices
from cca_tui.ui.ssh_access import ssh_plan
from tests.ui.hostile import HOSTILE, SHELL_HOSTILE

HOSTILE_VALUES = sorted(set(SHELL_HOSTILE + HOSTILE))


def instance(**fields: object) -> Instance:
    return Instance.model_validate({"id": "0c0b1d8e-1111-2222-3333-444455556666", "name": "web-1", **fields})


def rule(ip: str = "198.51.100.7", public_port: str = "2222") -> PortForwardingRule:
    return PortForwardingRule(
        id="r1", ip_address=ip, public_port_start=public_port, private_port_start="22", instance_id=None
    )


def test_plain_values_make_the_templated_command() -> None:
    plan = ssh_plan(
        instance(username="cca-user"), [rule()], template="ssh -o ServerAliveInterval=30 {user}@{ip} -p {port}"
    )
    assert plan.argv == ["ssh", "-o", "ServerAliveInterval=30", "cca-user@198.51.100.7", "-p", "2222"]
    assert shlex.split(plan.line) == plan.argv


def test_static_nat_first_then_jump_host_for_private_ips() -> None:
    nat = InstancePublicIp(id="p", ip_address="203.0.113.9", purposes=["STATIC_NAT"])
    plan = ssh_plan(instance(username="u", public_ips=[nat]), [rule()])
    assert plan.argv == ["ssh", "-p", "22", "u@203.0.113.9"]
    private = instance(username="u", ip_address="10.0.0.5")
    assert ssh_plan(private, []).argv is None
    assert "no ssh_jump_host" in (ssh_plan(private, []).refusal or "")
    via = ssh_plan(private, [], jump_host="ops@bastion.example.com:2200", identity="/home/o/.ssh/id_ed25519")
    assert via.argv == [
        "ssh",
        "-J",
        "ops@bastion.example.com:2200",
        "-i",
        "/home/o/.ssh/id_ed25519",
        "-p",
        "22",
        "u@10.0.0.5",
    ]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_hostile_user_is_refused_with_a_reason(value: str) -> None:
    plan = ssh_plan(instance(username=value or "x y"), [rule()])
    assert plan.argv is None and plan.line == ""
    assert "not a plain user name" in (plan.refusal or "")
    assert "\x1b" not in (plan.refusal or "") and "\ud800" not in (plan.refusal or "")


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_a_hostile_address_or_port_is_refused(value: str) -> None:
    by_address = ssh_plan(instance(username="cca-user"), [rule(ip=value)]) if value else None
    if by_address is not None:
        assert by_address.argv is None, by_address.argv
        assert "not an IP address or a host name" in (by_address.refusal or "")
    by_port = ssh_plan(instance(username="cca-user"), [rule(public_port=value)]) if value else None
    if by_port is not None:
        assert by_port.argv is None, by_port.argv
        assert "not a port number" in (by_port.refusal or "")


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_the_copy_menu_offers_no_hostile_value(value: str) -> None:
    hostile = instance(id=value or "-", username=value or "x y", ip_address=value or "-")
    choices = copy_choices(hostile, [rule(ip=value or "-")], ssh_plan(hostile, [rule(ip=value or "-")]))
    for choice in choices:
        assert choice.value is None, (choice.label, choice.value)
        assert choice.reason


@pytest.mark.parametrize(
    "good", ["ops@bastion", "bastion.example.com", "10.0.0.1", "ops@10.0.0.1:2222", "ops@[::1]"[:0] + "::1"]
)
def test_jump_hosts(good: str) -> None:
    assert check_jump(good) == good


@pytest.mark.parametrize("bad", ["-oProxyCommand=id", "a b", "ops@;id", "host:99999", "@host"])
def test_bad_jump_hosts_are_refused(bad: str) -> None:
    with pytest.raises(UnsafeCommand):
        check_jump(bad)


def test_ipv6_and_names_are_plain() -> None:
    assert check_host("2001:db8::1") == "2001:db8::1"
    assert check_host("web-1.internal") == "web-1.internal"
    for bad in ("-x", "a..b", "a_b", "123", ""):
        with pytest.raises(UnsafeCommand):
            check_host(bad)


def test_a_template_with_unknown_placeholders_is_refused() -> None:
    with pytest.raises(UnsafeCommand, match="only"):
        ssh_argv(SshTarget("u", "10.0.0.1"), "ssh {host}")
