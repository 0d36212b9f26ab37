"""Flash a real board (opt-in: FOOTFALL_PORT=/dev/ttyACM0 FOOTFALL_BOARD=m5stickc_plus2)."""

import os
import tempfile
from pathlib import Path

import pytest
from footfall import flash

PORT = os.environ.get("FOOTFALL_PORT")
pytestmark = pytest.mark.skipif(not PORT, reason="no board: set FOOTFALL_PORT to flash one")


def test_flash_answers_with_this_version() -> None:
    board = os.environ.get("FOOTFALL_BOARD", "m5stickc_plus2")
    with tempfile.TemporaryDirectory() as tmp:
        cmds = flash.flash(str(PORT), board, flash.run_command, Path(tmp))
    assert cmds[-1][-1].startswith("import footfall_fw")
