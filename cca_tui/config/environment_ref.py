"""Parsing "SERVICE_CODE/ENV_NAME", the way operators name an environment."""

EXAMPLE = "compute-on/test_area"


def parse_environment_ref(text: str) -> tuple[str, str]:
    """Split ``"compute-on/test_area"`` into ``("compute-on", "test_area")``.

    Raises ValueError with a message that shows the expected shape, because
    this text usually comes straight from a config file or a command line.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected SERVICE_CODE/ENV_NAME (e.g. {EXAMPLE}), got {type(text).__name__}")
    parts = text.split("/")
    # No spaces, no control or bidi characters: this text is shown on screen and kept in state.
    valid = len(parts) == 2 and all(parts) and not any(ch.isspace() for ch in text) and text.isprintable()
    if not valid:
        raise ValueError(f"{text!r} is not an environment reference: expected SERVICE_CODE/ENV_NAME, e.g. {EXAMPLE!r}")
    return parts[0], parts[1]
