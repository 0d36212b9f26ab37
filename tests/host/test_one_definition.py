"""Each data shape the device and the host share is written down once.

The session header (footfall_core.header) owns the placements and the ESP32 epoch; the
host finds the firmware tree through footfall.paths. A second copy of one of them in the
firmware, the host or the benchmarks is a format that can drift.
"""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TREES = ("firmware", "host", "bench")


def _sources() -> list[Path]:
    return sorted(p for tree in TREES for p in (REPO / tree).rglob("*.py"))


# The config keeps its own copy of the placements: it loads at boot on its own, before the
# session header, and a test holds its load to a small heap (tests/firmware/test_config.py).
# The copy is checked against the header's below.
COPIES = {"firmware/footfall_fw/config.py"}


def _defined_in(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    found = [str(p.relative_to(REPO)) for p in _sources() if regex.search(p.read_text("utf-8"))]
    return [f for f in found if f not in COPIES]


@pytest.mark.parametrize(
    ("what", "pattern", "owner"),
    [
        ("the placements", r"\(\s*\"waist\",\s*\"shoe\"\s*\)", "firmware/footfall_core/header.py"),
        ("the ESP32 epoch", r"946_?684_?800", "firmware/footfall_core/header.py"),
        ("the firmware path", r"(REPO|CHECKOUT|\])\s*/\s*\"firmware\"", "host/footfall/paths.py"),
    ],
)
def test_a_shared_data_shape_is_written_once_in_its_owner(what, pattern, owner) -> None:
    assert _defined_in(pattern) == [owner], what


def test_the_configs_placements_are_the_session_headers() -> None:
    from footfall.paths import firmware_config
    from footfall_core.header import PLACEMENTS

    config = firmware_config()
    assert config is not None
    assert config.FIELDS["placement"][1] == PLACEMENTS
    assert config.FIELDS["placement"][0] in PLACEMENTS


def test_the_host_takes_the_default_board_from_the_firmware() -> None:
    from footfall.flash import default_board, known_boards
    from footfall.sim.board import DEFAULT_BOARD

    board_py = (REPO / "firmware" / "footfall_fw" / "board.py").read_text("utf-8")
    assert f'DEFAULT_BOARD = "{default_board()}"' in board_py
    assert DEFAULT_BOARD == default_board() and default_board() in known_boards()


def test_boot_py_holds_the_power_of_the_default_board() -> None:
    from footfall.flash import default_board

    boot_py = (REPO / "firmware" / "boot.py").read_text("utf-8")
    assert f'name = name or "{default_board()}"' in boot_py


def test_a_firmware_tree_without_a_default_board_is_a_flash_error(tmp_path: Path) -> None:
    from footfall.errors import FootfallError
    from footfall.flash import default_board

    (tmp_path / "footfall_fw").mkdir()
    (tmp_path / "footfall_fw" / "board.py").write_text("BOARD_FILE = 'board.txt'\n")
    with pytest.raises(FootfallError, match="DEFAULT_BOARD"):
        default_board(tmp_path)


def test_every_option_sets_a_field_the_firmware_config_knows() -> None:
    from footfall.paths import firmware_config
    from footfall.settings import OPTION_FIELDS
    from footfall.sim.board import CONFIG_OPTIONS

    config = firmware_config()
    assert config is not None
    assert set(OPTION_FIELDS.values()) <= set(config.FIELDS)
    assert CONFIG_OPTIONS.items() <= OPTION_FIELDS.items()
    assert {"rate", "target", "tolerance", "coach", "repeat_s"} <= set(CONFIG_OPTIONS)
