"""Every reply shape of API.md parses: both task shapes, code/errorCode, publicIps/publicIPs."""

import httpx
import pytest

from cca_tui.api.client import task_failure_message
from cca_tui.api.envelope import decode_reply, parse_task
from cca_tui.api.errors import ApiError, AuthError, NotFoundError, ProtocolError
from cca_tui.api.models import ComputeOffering, Environment, Instance, PortForwardingRule
from tests.typed import not_none


def reply(status: int, body: object = None, *, content: bytes | None = None) -> httpx.Response:
    if content is not None:
        return httpx.Response(status, content=content)
    return httpx.Response(status, json=body)


def decode(response: httpx.Response) -> object:
    return decode_reply(response, method="GET", path="x")


def test_task_reference_shape() -> None:
    task = parse_task({"taskId": "t1", "taskStatus": "PENDING"}, status=200, method="POST", path="x")
    assert (task.id, task.status, task.done) == ("t1", "PENDING", False)


def test_task_reference_shape_with_result() -> None:
    task = parse_task(
        {"taskId": "t1", "taskStatus": "SUCCESS", "result": {"password": "pw"}}, status=200, method="GET", path="x"
    )
    assert task.succeeded and task.result == {"password": "pw"}


def test_task_go_client_shape() -> None:
    payload = {
        "data": {"id": "t2", "status": "FAILED", "created": "2026-01-01T00:00:00Z", "result": {"message": "boom"}}
    }
    task = parse_task(payload, status=200, method="GET", path="x")
    assert (task.id, task.failed, task.created) == ("t2", True, "2026-01-01T00:00:00Z")
    assert task_failure_message(task.result) == "boom"


def test_task_both_shapes_at_once_prefers_the_complete_data() -> None:
    payload = {
        "taskId": "t3",
        "taskStatus": "SUCCESS",
        "result": {"id": "i"},
        "data": {"id": "t3", "status": "SUCCESS", "created": "c", "result": {"id": "i"}},
    }
    task = parse_task(payload, status=200, method="GET", path="x")
    assert task.id == "t3" and task.succeeded and task.result == {"id": "i"}


def test_task_already_successful_with_data_and_no_id() -> None:
    payload = {"taskStatus": "SUCCESS", "data": {"id": "inst", "name": "web"}}
    task = parse_task(payload, status=200, method="POST", path="x")
    assert task.succeeded and task.result == {"id": "inst", "name": "web"}


def test_not_a_task_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse_task({"data": [1, 2]}, status=200, method="POST", path="x")


@pytest.mark.parametrize("field", ["code", "errorCode"])
def test_error_code_spellings(field: str) -> None:
    body = {"errors": [{field: 2012, "message": "bad state", "context": {"currentState": "Stopped"}}]}
    with pytest.raises(ApiError) as caught:
        decode(reply(400, body))
    detail = not_none(caught.value.first)
    assert detail.code == 2012 and detail.message == "bad state" and detail.context["currentState"] == "Stopped"
    assert "[2012] bad state" in str(caught.value)


def test_error_status_without_errors_body_is_still_an_error() -> None:
    with pytest.raises(ApiError) as caught:
        decode(reply(500, content=b"<html>oops</html>"))
    assert caught.value.status == 500


def test_statuses_map_to_types() -> None:
    with pytest.raises(AuthError):
        decode(reply(401, {"errors": []}))
    with pytest.raises(AuthError):
        decode(reply(403, {}))
    with pytest.raises(NotFoundError):
        decode(reply(404, {"errors": [{"code": 2004, "message": "no such instance"}]}))


def test_ok_reply_not_json_is_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        decode(reply(200, content=b"not json"))


def test_ok_reply_not_an_object_is_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        decode(reply(200, [1, 2]))


def test_no_content() -> None:
    assert decode(reply(204, content=b"")) is None


def test_instance_public_ip_spellings_and_extras() -> None:
    reference = Instance.model_validate(
        {
            "id": "1",
            "name": "a",
            "publicIps": [{"id": "p", "ipAddress": "1.2.3.4", "purposes": ["PORT_FORWARDING"], "ports": ["22"]}],
        }
    )
    go = Instance.model_validate(
        {
            "id": "1",
            "name": "a",
            "publicIPs": [{"id": "p", "ipAddress": "1.2.3.4"}],
            "isSshKeyEnabled": True,
            "sshKeyName": "k",
            "somethingNew": 1,
        }
    )
    assert not_none(reference.public_ips)[0].ports == ["22"]
    assert not_none(go.public_ips)[0].ip_address == "1.2.3.4" and go.ssh_key_name == "k"


def test_list_item_without_detail_fields() -> None:
    item = Instance.model_validate({"id": "1", "name": "a", "state": "Running", "memoryInMB": 512, "cpuCount": 1})
    assert item.public_ips is None and item.nics is None and item.memory_in_mb == 512


def test_custom_offering_fields() -> None:
    offering = ComputeOffering.model_validate(
        {
            "id": "c",
            "name": "Custom",
            "custom": True,
            "availableCpuCountValues": [1, 2],
            "availableMemoryInMBValues": [512, 1024],
            "maxMemoryInMBToCpuRatio": 4096,
        }
    )
    assert offering.available_memory_in_mb_values == [512, 1024] and offering.max_memory_in_mb_to_cpu_ratio == 4096


def test_environment_with_and_without_service_code() -> None:
    with_code = Environment.model_validate(
        {"id": "e", "name": "n", "serviceConnection": {"id": "s", "name": "S", "serviceCode": "compute-on"}}
    )
    without = Environment.model_validate({"id": "e", "name": "n", "serviceConnection": {"id": "s", "name": "S"}})
    assert not_none(with_code.service_connection).service_code == "compute-on"
    assert not_none(without.service_connection).service_code is None


def test_port_forwarding_ports_as_numbers_or_strings() -> None:
    rule = PortForwardingRule.model_validate({"id": "r", "publicPortStart": 2222, "privatePortStart": "22"})
    assert (rule.public_port_start, rule.private_port_start) == ("2222", "22")


def test_null_fields_take_their_defaults() -> None:
    instance = Instance.model_validate(
        {"id": "1", "name": "a", "affinityGroupIds": None, "publicIps": None, "nics": None, "state": None}
    )
    assert instance.affinity_group_ids == [] and instance.public_ips is None and instance.state == "Unknown"
