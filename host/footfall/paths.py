"""Where the host finds what ships beside it: the firmware tree, the demo recording and the
power model's currents.

In a source checkout (an editable install) they are the checkout's `firmware/`,
`tests/data/` and `hardware/`; an installed wheel carries them as package data,
`footfall/_firmware/`, `footfall/_data/` and `footfall/_hardware/` (pyproject.toml maps
them), so every command works from either.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parents[1]  # host/footfall -> the repository


def _first(*candidates: Path) -> Path:
    for path in candidates:
        if path.exists():
            return path
    return candidates[-1]


# The MicroPython firmware: main.py, boot.py, footfall_fw, footfall_core, drivers, boards.
FIRMWARE = _first(
    _CHECKOUT / "firmware" / "footfall_fw", _PACKAGE / "_firmware" / "footfall_fw"
).parent
# The bundled run (synthetic, made by footfall.synth): the demo's and sim's default.
DEMO_RECORDING = _first(
    _CHECKOUT / "tests" / "data" / "synthetic_run.csv",
    _PACKAGE / "_data" / "synthetic_run.csv",
)

# The power model's currents, each with its source (hardware/README.md, Power).
POWER_CURRENTS = _first(
    _CHECKOUT / "hardware" / "power_currents.csv",
    _PACKAGE / "_hardware" / "power_currents.csv",
)


def firmware_config() -> ModuleType | None:
    """The firmware's footfall_fw/config.py (FIELDS, check), loaded by path from the
    firmware tree that ships with footfall; None where it is missing (the device still
    validates)."""
    path = FIRMWARE / "footfall_fw" / "config.py"
    spec = importlib.util.spec_from_file_location("footfall_fw_config", path)
    if spec is None or spec.loader is None or not path.exists():
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
