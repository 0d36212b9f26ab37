"""Put the firmware on a board with mpremote (`footfall flash`, footfall.cli.flash).

Steps (each an ordinary command; --dry-run prints them instead):
1. precompile every firmware module with mpy-cross for the board's architecture
   (`-march=xtensawin` for the ESP32 and ESP32-S3) into a staging folder; main.py and
   boot.py stay source, as the port runs them from the file system by those names;
2. copy boot.py first: every mpremote command interrupts the app (Ctrl-C) and soft-resets
   the board in the raw REPL, which runs boot.py but not main.py (ports/esp32/main.c), and
   boot.py relaxes the watchdog that the app left running (it cannot be stopped), so the
   steps after it are not reset mid-copy, even on a board running older firmware;
3. remove the old package folders on the board (a stale .py would shadow its new .mpy);
4. copy the packages, main.py and board.txt (the board choice main.py reads);
5. install the micropython-lib packages in DEPS (aioble, for BLE sync and live cadence)
   with `mpremote mip install`; this needs this computer online, so `--no-ble` skips it
   and the board then runs with BLE off;
6. set the board's clock to UTC from this computer (footfall_fw.setclock.set_clock through
   `mpremote exec`: the ESP32 clock and the board's RTC chip; `mpremote rtc --set` would
   write local time, and the firmware keeps UTC);
7. confirm the firmware answers: import footfall_fw and print its VERSION.

The same module list feeds `firmware/package.json` (mip) and `firmware/manifest.py`
(freezing): `package_json()` builds the former, and a test checks both cover every module.
"""

import ast
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from footfall.errors import EngineError
from footfall.paths import FIRMWARE

PACKAGES = ("footfall_core", "footfall_fw", "drivers", "boards")
DEFAULT_ARCH = "xtensawin"  # ESP32 and ESP32-S3; a board file may set MPY_ARCH
CHECK = "import footfall_fw; print(footfall_fw.VERSION)"
SET_CLOCK = "import footfall_fw.setclock as c; c.set_clock("
# micropython-lib packages the firmware needs, as mip deps (aioble: footfall_fw.ble_link)
DEPS = [["aioble", "latest"]]
SCRIPTS = ("main.py", "boot.py")  # run by the port from the file system: kept as source

Runner = Callable[[Sequence[str]], subprocess.CompletedProcess]


def set_clock_code(unix_s: float | None = None) -> str:
    """The exec that sets the board's clocks to UTC now (time taken when it runs)."""
    return f"{SET_CLOCK}{int(time.time() if unix_s is None else unix_s)})"


class FlashError(EngineError):
    """A step of flashing failed, or a tool it needs is missing (the message names the step
    and the command's output, or the tool)."""


def firmware_modules(root: Path = FIRMWARE) -> list[str]:
    """Every firmware module, as paths relative to firmware/ (main.py and boot.py first)."""
    mods = list(SCRIPTS)
    for pkg in PACKAGES:
        mods += sorted(p.relative_to(root).as_posix() for p in (root / pkg).glob("*.py"))
    return mods


def package_json(root: Path = FIRMWARE) -> dict:
    """The mip manifest: every module at the same path on the board."""
    version = (root / "footfall_fw" / "__init__.py").read_text().split('VERSION = "')[1]
    urls = [[m, m] for m in firmware_modules(root)]
    return {"urls": urls, "deps": DEPS, "version": version.split('"')[0]}


def default_board(root: Path = FIRMWARE) -> str:
    """The board the firmware runs as without a board.txt: footfall_fw.board.DEFAULT_BOARD,
    read from its source (board.py imports `machine`, so the host cannot import it)."""
    tree = ast.parse((root / "footfall_fw" / "board.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "DEFAULT_BOARD" for t in node.targets
        ):
            return str(ast.literal_eval(node.value))
    raise FlashError(f"{root / 'footfall_fw' / 'board.py'} names no DEFAULT_BOARD")


def known_boards() -> list[str]:
    """The board names: one data-only module each in firmware/boards/."""
    return sorted(p.stem for p in (FIRMWARE / "boards").glob("*.py") if p.stem != "__init__")


def board_arch(board: str) -> str:
    path = FIRMWARE / "boards" / f"{board}.py"
    if not path.exists():
        raise FlashError(f"unknown board {board!r} (known: {', '.join(known_boards())})")
    names: dict[str, object] = {}
    exec(path.read_text(), names)  # a data-only file of this repository
    return str(names.get("MPY_ARCH", DEFAULT_ARCH))


def compile_commands(stage: Path, arch: str) -> list[list[str]]:
    cmds = []
    for mod in firmware_modules():
        if mod in SCRIPTS:
            continue
        out = stage / Path(mod).with_suffix(".mpy")
        cmds.append(["mpy-cross", f"-march={arch}", "-o", str(out), str(FIRMWARE / mod)])
    return cmds


def device_commands(port: str, stage: Path, ble: bool = True) -> list[list[str]]:
    conn = ["mpremote", "connect", port]
    mip = [[*conn, "mip", "install", name] for name, _ in DEPS] if ble else []
    rm = [c for pkg in PACKAGES for c in ("fs", "rm", "-r", f":{pkg}", "+")][:-1]
    cp = ["fs", "cp", "-r", *(str(stage / pkg) for pkg in PACKAGES), ":"]
    return [
        [*conn, "fs", "cp", str(FIRMWARE / "boot.py"), ":boot.py"],
        [*conn, *rm],
        [*conn, *cp],
        [*conn, "fs", "cp", str(FIRMWARE / "main.py"), ":main.py"],
        [*conn, "fs", "cp", str(stage / "board.txt"), ":board.txt"],
        *mip,
        [*conn, "exec", set_clock_code()],
        [*conn, "exec", CHECK],
    ]


def flash(
    port: str, board: str, run: Runner, stage: Path, dry_run: bool = False, ble: bool = True
) -> list[list[str]]:
    """Run (or with dry_run only list) every command; returns them. Raises FlashError."""
    arch = board_arch(board)
    version = package_json()["version"]
    cmds = compile_commands(stage, arch) + device_commands(port, stage, ble)
    if dry_run:
        return cmds
    for pkg in PACKAGES:
        (stage / pkg).mkdir(parents=True, exist_ok=True)
    (stage / "board.txt").write_text(board + "\n")
    for cmd in cmds:
        if cmd[-1].startswith(SET_CLOCK):  # the time as of now, not of the plan
            cmd[-1] = set_clock_code()
        proc = run(cmd)
        if proc.returncode == 0:
            continue
        if "rm" in cmd and cmd[cmd.index("rm") - 1] == "fs":
            continue  # nothing to remove on a fresh board
        hint = " (offline? --no-ble skips it; BLE stays off)" if "mip" in cmd else ""
        raise FlashError(f"{shlex.join(cmd)} failed{hint}:\n{_text(proc)}")
    answer = _text(proc).strip().splitlines()
    if not answer or answer[-1] != version:
        raise FlashError(f"the board did not answer with footfall {version}: {answer}")
    return cmds


def _text(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout if isinstance(proc.stdout, str) else (proc.stdout or b"").decode()
    err = proc.stderr if isinstance(proc.stderr, str) else (proc.stderr or b"").decode()
    return out + err


def run_command(cmd: Sequence[str]) -> subprocess.CompletedProcess:
    """Run a tool installed beside this interpreter (footfall's dependencies), else on PATH."""
    tool = Path(sys.executable).parent / cmd[0]
    argv = [str(tool) if tool.exists() else cmd[0], *cmd[1:]]
    try:
        return subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise FlashError(
            f"`{cmd[0]}` is not installed: footfall installs it where a wheel of it exists "
            f"(pip install footfall); elsewhere put MicroPython's {cmd[0]} on PATH"
        ) from None


def package_json_text(root: Path = FIRMWARE) -> str:
    """package.json as written to firmware/: one module per line."""
    pkg = package_json(root)
    urls = ",\n".join(f"    {json.dumps(u)}" for u in pkg["urls"])
    deps = json.dumps(pkg["deps"])
    version = json.dumps(pkg["version"])
    return f'{{\n  "urls": [\n{urls}\n  ],\n  "deps": {deps},\n  "version": {version}\n}}\n'


if __name__ == "__main__":  # regenerate firmware/package.json: python -m footfall.flash
    (FIRMWARE / "package.json").write_text(package_json_text())
