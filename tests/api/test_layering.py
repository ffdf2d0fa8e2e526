"""The client knows nothing of Textual (as Harlequin's core knows nothing of its UI)."""

import subprocess
import sys


def test_api_package_does_not_import_textual() -> None:
    code = "import sys, cca_tui.api, cca_tui.api.client, cca_tui.api.models;print('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
