"""Files and directories the app writes are private: 0600 files in 0700 directories,
also when they already existed with a wider mode."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cca_tui.config import StateStore
from cca_tui.config.private_files import ensure_private_dir, prepare_private_file, write_private_text

pytestmark = pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask 022, which is what made files 0644 and directories 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_new_directories_are_0700(tmp_path: Path, open_umask: None) -> None:
    leaf = tmp_path / "a" / "b" / "log"
    ensure_private_dir(leaf)
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", leaf)] == [0o700] * 3


def test_existing_directory_is_narrowed_and_parents_left_alone(tmp_path: Path, open_umask: None) -> None:
    leaf = tmp_path / "log"
    leaf.mkdir(mode=0o755)
    os.chmod(leaf, 0o755)
    os.chmod(tmp_path, 0o755)
    ensure_private_dir(leaf)
    assert mode(leaf) == 0o700 and mode(tmp_path) == 0o755


def test_written_file_is_0600_even_if_it_was_0644(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "crash.log"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private_text(path, "new")
    assert mode(path) == 0o600 and path.read_text() == "new"


def test_new_written_file_is_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "crash.log"
    write_private_text(path, "x")
    assert mode(path) == 0o600


def test_prepared_log_keeps_its_content_and_becomes_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "sim.log"
    path.write_text("earlier lines\n")
    os.chmod(path, 0o664)
    prepare_private_file(path)
    assert mode(path) == 0o600 and path.read_text() == "earlier lines\n"


def test_symlink_in_place_of_the_file_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("precious")
    link = tmp_path / "crash.log"
    link.symlink_to(target)
    with pytest.raises(OSError):
        write_private_text(link, "overwritten?")
    assert target.read_text() == "precious"


def test_fifo_in_place_of_the_file_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "crash.log"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            write_private_text(fifo, "x")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and errors and isinstance(errors[0], OSError)


def test_state_directory_and_file_are_private(tmp_path: Path, open_umask: None) -> None:
    state_dir = tmp_path / "state" / "cca-tui"
    state_dir.mkdir(parents=True, mode=0o755)
    os.chmod(state_dir, 0o755)
    store = StateStore(state_dir / "state.json")
    store.remember_environment("prod", "svc/env")
    assert mode(state_dir) == 0o700 and mode(state_dir / "state.json") == 0o600


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_state_file_that_is_not_a_small_regular_file_reads_as_empty(tmp_path: Path, kind: str) -> None:
    """A FIFO would hang the app at startup, /dev/zero would fill its memory."""
    path = tmp_path / "state.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.write_text('{"last_environment": {"prod": "svc/env"}, "pad": "' + "x" * (2 * 1024 * 1024) + '"}')
    outcome: list[object] = []
    thread = threading.Thread(target=lambda: outcome.append(StateStore(path).last_environment("prod")), daemon=True)
    thread.start()
    thread.join(10)
    assert outcome == [None]
