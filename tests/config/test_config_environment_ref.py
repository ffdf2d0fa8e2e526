import pytest

from cca_tui.config import parse_environment_ref


def test_parses_service_and_environment() -> None:
    assert parse_environment_ref("compute-on/test_area") == ("compute-on", "test_area")


@pytest.mark.parametrize("text", ["", "compute-on", "/env", "svc/", "a/b/c", "svc/my env", " svc/env"])
def test_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_environment_ref(text)
    assert "SERVICE_CODE/ENV_NAME" in str(exc.value)
