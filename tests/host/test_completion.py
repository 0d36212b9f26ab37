"""Shell completion: the shell's line completes to footfall's commands and options."""

import os
import subprocess
import sys
from pathlib import Path

import pytest


def complete(line: str, tmp_path: Path) -> list[str]:
    """What footfall offers for `line` (the cursor at its end), as bash would ask."""
    out = tmp_path / "completions"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
    }
    code = "import sys; from footfall.cli import main; sys.exit(main())"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    return out.read_text().replace("\v", " ").split()


@pytest.mark.e2e
def test_commands_and_their_options_complete(tmp_path: Path) -> None:
    assert complete("footfall sy", tmp_path) == ["sync"]
    assert set(complete("footfall s", tmp_path)) == {"sim", "sync", "sessions", "show"}
    assert complete("footfall export --fo", tmp_path) == ["--format"]
    assert set(complete("footfall export latest --format ", tmp_path)) >= {"csv", "fit"}
