"""The fleet wing knows nothing of Textual: what the fleet is, not how it is drawn."""

import subprocess
import sys


def test_fleet_package_does_not_import_textual() -> None:
    code = (
        "import sys, cca_tui.fleet, cca_tui.fleet.data, cca_tui.fleet.identity, cca_tui.fleet.scope, cca_tui.fleet.watching;"
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_fleet_package_does_not_import_the_ui() -> None:
    code = "import sys, cca_tui.fleet.data, cca_tui.fleet.identity, cca_tui.fleet.scope, cca_tui.fleet.watching;print(sorted(m for m in sys.modules if m.startswith('cca_tui.ui')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
