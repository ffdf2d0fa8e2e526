"""MD5 fingerprints of OpenSSH public keys, and finding the operator's keys in ~/.ssh."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from cca_tui.ui.forms.fingerprint import local_public_keys, md5_fingerprint, same_fingerprint

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBsB1hRL4H8Jp+pKrV+WzZ6Grw542zUXalDTGoH2QDHW alice@example.com"


def test_fingerprint_is_colon_hex_md5_of_the_blob() -> None:
    digest = hashlib.md5(base64.b64decode(KEY.split()[1])).hexdigest()
    fingerprint = md5_fingerprint(KEY)
    assert fingerprint.replace(":", "") == digest
    assert len(fingerprint.split(":")) == 16
    # The comment plays no part.
    assert md5_fingerprint(KEY.rsplit(" ", 1)[0]) == fingerprint


def test_agrees_with_the_simulator() -> None:
    from cca_tui.sim.sshkeys import SEED_PUBLIC_KEYS, key_blob
    from cca_tui.sim.sshkeys import md5_fingerprint as sim_fingerprint

    for key in SEED_PUBLIC_KEYS.values():
        assert md5_fingerprint(key) == sim_fingerprint(key_blob(key))


@pytest.mark.parametrize("bad", ["", "ssh-ed25519", "ssh-ed25519 not!base64"])
def test_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        md5_fingerprint(bad)


def test_same_fingerprint_ignores_case_and_prefix() -> None:
    assert same_fingerprint("MD5:AB:cd", "ab:CD")
    assert not same_fingerprint(None, "ab")
    assert not same_fingerprint("ab:cd", "ab:ce")


def test_local_keys(tmp_path: Path) -> None:
    (tmp_path / "id_ed25519.pub").write_text(KEY + "\n")
    (tmp_path / "broken.pub").write_text("garbage\n")
    (tmp_path / "empty.pub").write_text("")
    (tmp_path / "id_ed25519").write_text("PRIVATE: never read\n")
    keys = local_public_keys(tmp_path)
    assert [k.file_name for k in keys] == ["id_ed25519.pub"]
    assert keys[0].fingerprint == md5_fingerprint(KEY)
    assert local_public_keys(tmp_path / "missing") == []
