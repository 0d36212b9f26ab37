"""The config in a flash folder (file:DIR): DIR/config.json read and changed as the device does.

The rules are the firmware's own (footfall_fw/config.py, loaded by footfall.paths): a missing
file is the defaults, a corrupt one is the defaults with its problems reported, and a change
is merged into the config, validated whole and written atomically (temp file + rename), so
the folder holds the old config or the new one, never half of one.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from footfall.errors import UsageError, os_failure
from footfall.paths import firmware_config

CONFIG_FILE = "config.json"  # the device's config.PATH, at the top of its flash


def _rules() -> ModuleType:
    rules = firmware_config()
    if rules is None:
        raise UsageError("file: config needs the firmware's config rules, which are missing")
    return rules


def read(folder: Path) -> tuple[dict[str, Any], list[str]]:
    """(the config the device would boot with, the problems it would report)."""
    return _rules().load(str(folder / CONFIG_FILE))


def change(folder: Path, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge `changes` into the folder's config and save it; ValueError (the firmware's
    message) with nothing written when the result is not a valid config."""
    rules = _rules()
    path = folder / CONFIG_FILE
    cfg, _ = rules.load(str(path))
    merged = {**cfg, **changes}
    rules.validate(merged)  # refuse before the temp file is made
    try:
        return rules.save(merged, str(path))
    except OSError as e:
        raise os_failure(path, e) from None
