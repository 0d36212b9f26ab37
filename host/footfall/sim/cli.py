"""`footfall sim`: replay a recording through the real firmware on the virtual board.

The recording is resampled to the rate the board's IMU driver actually runs at (the same
resampler `footfall detect` uses), the firmware (`main.py`, footfall_fw, drivers, core) runs
unchanged in the MicroPython unix port with the stand-in `machine`/`time`/`select` modules of
`footfall/sim/mpy` first on its path, and the flash folder is `--out`. With --json, one
object: session_files, steps, cues_ms (recording times of every cue: "quicken" and the
escalated "quicken_more"), board, plays
(every pattern with its recording time), rate_hz, exit (why the board stopped) and counters.

Time: virtual = real ticks + every wait skipped (see mpy/time.py), so an hour-long run
takes as long as its computation; the emulated IMU fills its FIFO from that clock. With
--cpu esp32 the firmware's CPU time counts ESP32_FACTOR_MILLI / 1000 times over and flash
writes cost what SPI NOR does (mpy/os.py), so stalls, FIFO overflows and watchdog resets
show as they would on the board (docs/virtual-board.md, Timing).
"""

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from footfall.cli.config import add_coach_options, firmware_config
from footfall.csvio import read_recording
from footfall.engine import micropython_binary, port_failure
from footfall.errors import EngineError, UsageError
from footfall.flash import SCRIPTS, compile_commands, known_boards, run_command
from footfall.paths import FIRMWARE
from footfall.resample import Resampled, continuous, resample
from footfall.sim import MPY_DIR

SIM_DIR = MPY_DIR.parent  # helper modules beside mpy/: imu_emu
DEFAULT_BOARD = "m5stickc_plus2"
HEAP = "8M"
TIMEOUT_S = 900
TRACEBACK_LINES = 6  # of the board's console, shown when the firmware does not start
EPOCH_2000_S = 946684800  # 2000-01-01 00:00 UTC: where the ESP32 clock starts at power-on
CLOCK_MARK = "footfall-utc"  # firmware/footfall_fw/board.py CLOCK_MARK
CUE_PATTERNS = ("quicken", "quicken_more")  # firmware/footfall_fw/app.py CUE_PATTERNS

# --cpu esp32: the ESP32 runs the firmware this many times slower than this host's unix
# port, in thousandths. The slow end of the measured range: this host's best pystone score
# in the unix port over the slowest published ESP32 one (ESP32_GENERIC at its default
# 160 MHz, SPIRAM variant); derivation and range in docs/virtual-board.md, figures from
# bench/bench_cpu.py in bench/cpu_results.md.
ESP32_FACTOR_MILLI = 176000
CPU_FACTORS_MILLI = {"esp32": ESP32_FACTOR_MILLI}
# --cpu without --heap: the ESP32 port grows its GC heap from 56 KiB as the firmware needs it
# (MICROPY_GC_SPLIT_HEAP_AUTO, ports/esp32/mpconfigport.h), so a collection there sweeps about
# what the firmware uses (223 KiB for the bundled run in the unix port, docs/firmware.md, plus
# the stand-ins' log of every cue a long slow spell repeats), not the sim's default 8 MiB.
CPU_HEAP = "320k"


def flash_timing(args: argparse.Namespace) -> str | None:
    """The flash timing the --cpu model charges (typical unless asked), None without --cpu."""
    return (args.flash_timing or "typical") if args.cpu else None


def heap(args: argparse.Namespace) -> str:
    """The unix port's heap: --heap, else CPU_HEAP with --cpu, else HEAP. A metronome mode
    with --cpu gets HEAP too: the stand-ins log every beat's PWM changes in the board's
    heap (sim/mpy/_sim.py), which outgrows CPU_HEAP within minutes."""
    metronome = str(getattr(args, "coach", None) or "").startswith("metronome")
    if args.heap or not getattr(args, "cpu", None) or metronome:
        return args.heap or HEAP
    return CPU_HEAP


# sys.implementation._mpy >> 10 -> mpy-cross -march (py/persistentcode.h MP_NATIVE_ARCH_*)
MPY_ARCHS = ("", "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em", "armv7emsp")
MPY_ARCHS += ("armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")


def unix_port_env(path: list[Path] | None = None) -> dict[str, str]:
    """MICROPYPATH putting the stand-ins first, then the emulators and the firmware."""
    dirs = [str(p) for p in path or (MPY_DIR, SIM_DIR, FIRMWARE)] + [".frozen"]
    return {**os.environ, "MICROPYPATH": os.pathsep.join(dirs)}


def precompile(dest: Path) -> list[Path]:
    """Compile the firmware (as `footfall flash` does, main.py kept as source) and the
    stand-ins with mpy-cross for the unix port into dest; return the MICROPYPATH for them.
    The heap then holds loaded bytecode, as on a flashed board, not the compiler's work."""
    proc = subprocess.run(
        [micropython_binary(), "-c", "import sys; print(sys.implementation._mpy >> 10)"],
        capture_output=True,
        check=True,
    )
    arch = MPY_ARCHS[int(proc.stdout)]
    fw, sim = dest / "fw", dest / "sim"
    cmds = compile_commands(fw, arch)
    for src in [*MPY_DIR.glob("*.py"), SIM_DIR / "imu_emu.py", SIM_DIR / "rtc_emu.py"]:
        if src.name != "simboot.py":  # the script the port runs: stays source
            cmds.append(["mpy-cross", f"-march={arch}", "-o", str(sim / f"{src.stem}.mpy")])
            cmds[-1].append(str(src))
    for cmd in cmds:
        Path(cmd[-2]).parent.mkdir(parents=True, exist_ok=True)
        done = run_command(cmd)
        if done.returncode != 0:
            raise EngineError(f"mpy-cross failed: {done.stderr.strip()}")
    for name in SCRIPTS:  # the port runs them from the file system, as source
        if (FIRMWARE / name).exists():  # firmware older than boot.py has main.py alone
            (fw / name).write_text((FIRMWARE / name).read_text())
    return [sim, fw]


def board_rates(board: str, rate_hz: int) -> tuple[int, int]:
    """(rate_hz, rate_mhz) of the board's driver asked for rate_hz on its emulator, with the
    board's IMU_OPTIONS: the integer rate the core runs at (e.g. LSM6DSO: 104) and the
    driver's estimate of the chip's true rate in milli-Hz (104172)."""
    script = (
        f"import imu_emu\nb = getattr(__import__('boards.{board}'), {board!r})\n"
        "m = getattr(__import__('drivers.' + b.IMU), b.IMU)\n"
        "cls = getattr(m, getattr(b, 'IMU_CLASS', b.IMU.upper()))\n"
        "o = getattr(b, 'IMU_OPTIONS', {})\n"
        "emu = imu_emu.EMULATORS[b.IMU](addr=b.IMU_ADDR, **o)\n"
        f"imu = cls(emu, b.IMU_ADDR, {rate_hz}, **o)\n"
        "print(imu.rate_hz, getattr(imu, 'rate_mhz', imu.rate_hz * 1000))\n"
    )
    env = {**os.environ, "MICROPYPATH": os.pathsep.join([str(SIM_DIR), str(FIRMWARE)])}
    proc = subprocess.run(
        [micropython_binary(), "-c", script], capture_output=True, env=env, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise EngineError(f"board {board!r}: {port_failure(proc)}")
    rate, mhz = proc.stdout.split()
    return int(rate), int(mhz)


def board_samples(args: argparse.Namespace) -> tuple[Resampled, int]:
    """The recording as the board's IMU measures it, and the recording time of its start.

    An IMU clock off by p % (--imu-clock-pct) samples the motion at rate * (1 + p/100): the
    recording on a time axis scaled by (1 + p/100), on the chip's grid, is what it measures.
    """
    rec = read_recording(args.recording)
    continuous(rec, args.rate)
    t_ms = rec.t_ms
    if args.imu_clock_pct:
        t_ms = np.rint(rec.t_ms * (1 + args.imu_clock_pct / 100)).astype(np.int64)
    grid = chip_grid(t_ms, rec.acc_mg, args.board, args.rate)
    return grid, int(rec.t_ms[0]) if args.imu_clock_pct else grid.t0_ms


def chip_grid(t_ms: np.ndarray, acc_mg: np.ndarray, board: str, rate_hz: int) -> Resampled:
    """The recording as the board's chip samples it: at the chip's true rate (rate_mhz), which
    may differ from the integer rate the core counts in (the LSM6DSO's 104 Hz is 104.172 Hz).
    The grid is on the core's integer rate over time scaled by rate_hz * 1000 / rate_mhz."""
    rate, mhz = board_rates(board, rate_hz)
    if mhz != rate * 1000:
        t_ms = np.rint(np.asarray(t_ms, dtype=np.float64) * (rate * 1000 / mhz))
    return resample(t_ms, acc_mg, rate)


# option dest -> the config field it sets on the virtual board
CONFIG_OPTIONS = {
    "rate": "rate_hz",
    "target": "target_spm",
    "tolerance": "tolerance_spm",
    "coach": "coach",
    "repeat_s": "repeat_s",
    "beat_steps": "beat_steps",
    "beat_out": "beat_out",
}


# A LiPo cell reads 3000-4350 mV; up to 5 V covers a board on USB power. Below 0 is no cell.
MAX_BATTERY_MV = 5000


def check_args(args: argparse.Namespace) -> None:
    """UsageError (exit 2, before booting) for options that do not combine, an --out that is
    not a folder, and a config option the firmware's config refuses (footfall_fw/config.py
    check(), with its message)."""
    if args.flash_timing and not args.cpu:
        raise UsageError("--flash-timing needs --cpu")
    if args.cpu and args.serve:
        raise UsageError("--cpu does not combine with --serve (a paced clock)")
    for flag in ("pair", "live", "radio_off_ms"):
        if getattr(args, flag, None) and args.serve != "ble":
            raise UsageError(f"--{flag.replace('_', '-')} needs --serve ble")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out {args.out}: not a folder (the board's flash)")
    if not 0 <= args.battery_mv <= MAX_BATTERY_MV:
        raise UsageError(f"--battery-mv {args.battery_mv}: takes 0 to {MAX_BATTERY_MV} mV")
    for spec in args.press:
        press_spec(args.board, spec)
    repl_steps(args.repl)
    rules = firmware_config()
    if rules is None:
        return
    for option, field in CONFIG_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        try:
            rules.check(field, value)
        except ValueError as exc:
            raise UsageError(f"--{option.replace('_', '-')} {value}: {exc}") from None


def scenario(args: argparse.Namespace, work: Path, samples: Path, rate_hz: int) -> dict:
    cfg = {"placement": args.placement}
    for option, field in CONFIG_OPTIONS.items():
        if getattr(args, option) is not None:
            cfg[field] = getattr(args, option)
    if args.target is not None:  # a fixed target; without one the device learns it
        cfg["auto_target"] = False
    unset = getattr(args, "clock", "set") == "unset"
    return {
        "board": args.board,
        "rate_hz": rate_hz,
        "samples": str(samples),
        "flash": str(Path(args.out).resolve()),
        "result": str(work / "result.json"),
        "events": str(work / "events.tsv"),
        "files": {"board.txt": args.board, "config.json": json.dumps(cfg)},
        "battery_mv": args.battery_mv,
        # --clock set: the clocks hold UTC, as `footfall flash` leaves them (its set_clock
        # writes the RTC chip and footfall_fw.board.CLOCK_MARK into RTC memory). --clock
        # unset: as after a Plus2 power-off, the ESP32 clock at 2000-01-01, RTC memory
        # empty, the BM8563's VL bit set.
        "clock": getattr(args, "clock", "set"),
        "epoch_s": EPOCH_2000_S if unset else int(time.time()),
        "rtc_memory": "" if unset else CLOCK_MARK,
        "flash_bytes": args.flash_kib * 1024
        if args.flash_kib
        else board_value(args.board, "FS_BYTES"),
        "presses": [press_spec(args.board, p) for p in args.press],
        "bus_error_ms": args.bus_error_ms,
        "bus_hang_ms": args.bus_hang_ms,
        "bus_glitch_ms": args.bus_glitch_ms,
        "imu_clock_ppm": round(args.imu_clock_pct * 10000),
        "imu_reset_ms": args.imu_reset_ms,
        "stall_ms": args.stall_ms,
        "stall_len_ms": args.stall_len_ms,
        "interrupt_ms": args.interrupt_ms,
        "repl": repl_steps(args.repl),
        "cpu_factor_milli": CPU_FACTORS_MILLI[args.cpu] if args.cpu else 0,
        "flash_timing": flash_timing(args),
    }


REPL_RESETS = ("raw-reset", "soft-reset")


def repl_steps(spec: str) -> list[str]:
    """'idle:10000,raw-reset,idle:5000' -> the REPL script simboot runs when no app runs."""
    steps = [s.strip() for s in spec.split(",") if s.strip()]
    for step in steps:
        ms = step[5:] if step.startswith("idle:") else None
        if step not in REPL_RESETS and not (ms and ms.isdigit()):
            raise UsageError(f"--repl {spec}: takes idle:MS, raw-reset, soft-reset, ...")
    return steps


def press_spec(board: str, spec: str) -> list[int]:
    """'A@12000' or 'B@5000:2000' (button, sensor ms, hold ms) -> [pin, at_ms, hold_ms]."""
    try:
        button, _, when = spec.partition("@")
        at, _, hold = when.partition(":")
        pins = board_pins(board)
        return [pins[button.upper()], int(at), int(hold or 200)]
    except (KeyError, ValueError):
        raise UsageError(f"--press {spec}: takes A@MS or B@MS:HOLD_MS") from None


def board_value(board: str, name: str) -> int:
    """A constant from firmware/boards/<board>.py (data only: executed, not imported)."""
    names: dict[str, object] = {}
    exec((FIRMWARE / "boards" / f"{board}.py").read_text(), names)  # noqa: S102 - our data
    return int(names[name])  # type: ignore[call-overload]


def board_pins(board: str) -> dict[str, int]:
    return {"A": board_value(board, "BUTTON_A"), "B": board_value(board, "BUTTON_B")}


def simulate(args: argparse.Namespace) -> dict:
    """Run the virtual board over args.recording; return the --json object."""
    grid, t0_ms = board_samples(args)
    rate_hz = grid.rate_hz
    Path(args.out).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="footfall-sim-") as tmp:
        work = Path(tmp)
        samples = work / "samples.bin"
        samples.write_bytes(np.asarray(grid.acc_mg).astype("<i2").tobytes())
        sc = scenario(args, work, samples, rate_hz)
        (work / "scenario.json").write_text(json.dumps(sc))
        # A board runs its modules precompiled (footfall flash): with --cpu, so does the sim,
        # or compiling them here would be charged as the board's time.
        path = precompile(work / "mpy") if args.mpy or args.cpu else None
        try:
            proc = subprocess.run(
                [micropython_binary(), "-X", f"heapsize={heap(args)}"]
                + [str(MPY_DIR / "simboot.py"), str(work / "scenario.json")],
                capture_output=True,
                stdin=subprocess.DEVNULL,  # the console has no host: usb_link reads nothing
                env=unix_port_env(path),
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"virtual board still running after {TIMEOUT_S} s: stopped (a recording "
                "this long needs a faster machine)"
            ) from None
        console = proc.stdout.decode(errors="replace")
        if proc.returncode != 0 or not (work / "result.json").exists():
            raise EngineError(f"virtual board failed: {port_failure(proc)}")
        result = json.loads((work / "result.json").read_text())
    return summarise(result, args, t0_ms, console)


def summarise(result: dict, args: argparse.Namespace, t0_ms: int, console: str) -> dict:
    sessions = sorted((Path(args.out) / "sessions").glob("*.ffs"))
    plays = [[t + t0_ms, name] for t, name in result.pop("plays")]
    return {
        "recording": args.recording,
        "board": args.board,
        "placement": args.placement,
        "session_files": [str(p) for p in sessions],
        "steps": result.pop("steps", 0),
        "cues_ms": [t for t, name in plays if name in CUE_PATTERNS],
        "plays": plays,
        "cpu": args.cpu,
        "flash_timing": flash_timing(args),
        **result,
        "console": console.splitlines(),
    }


def print_summary(out: dict) -> None:
    if "rate_hz" not in out:  # the app never started: say why, with the board's traceback
        print(f"virtual {out['board']} ({out['placement']}): {out['recording']}")
        if out.get("safe_mode"):
            print("  safe mode: no app started")
        print(f"  the firmware did not start: {out['exit']}")
        for line in out["console"][-TRACEBACK_LINES:]:
            print(f"  | {line}")
        return
    print(f"virtual {out['board']} ({out['rate_hz']} Hz, {out['placement']}): {out['recording']}")
    print(f"  steps {out['steps']}, logged {out['steps_logged']} in {out['sessions']} session(s)")
    for t, name in out["plays"]:
        print(f"  {t / 1000:8.1f} s  {name}")
    for path in out["session_files"]:
        print(f"  session file {path}")
    if out.get("cpu"):
        print(
            f"  timing ({out['cpu']}, flash {out['flash_timing']}): "
            f"{out['overflows']} FIFO overflow(s), {out['watchdog_resets']} watchdog reset(s), "
            f"longest loop stall {out['max_stall_ms']} ms"
        )
    elif out.get("watchdog_resets"):
        print(f"  watchdog resets: {out['watchdog_resets']}")
    print(f"  board stopped: {out['exit']}")


def clock_pct(text: str) -> float:
    """--imu-clock-pct: a percentage within +/-10 (argparse turns the error into exit 2)."""
    try:
        pct = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not -10 <= pct <= 10:
        raise argparse.ArgumentTypeError(f"{text} is outside -10..10")
    return pct


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run the real firmware on a virtual board over a recording",
        description="Replay a t_ms,ax,ay,az recording through main.py in the unix port.",
    )
    parser.add_argument("recording", metavar="RECORDING.csv")
    parser.add_argument(
        "--board", default=DEFAULT_BOARD, choices=known_boards(), help="the board to emulate"
    )
    parser.add_argument("--placement", choices=("waist", "shoe"), default="waist")
    parser.add_argument(
        "--target", type=int, metavar="SPM", help="fixed cadence target (default: auto-target)"
    )
    parser.add_argument("--tolerance", type=int, metavar="SPM", help="cue below target-this")
    parser.add_argument(
        "--rate", type=int, default=100, metavar="HZ", help="rate asked of the IMU"
    )
    add_coach_options(parser)
    parser.add_argument(
        "--out", default="build/sim-flash", metavar="DIR", help="the board's flash folder"
    )
    parser.add_argument("--battery-mv", type=int, default=4000, help="battery voltage seen")
    parser.add_argument(
        "--press", action="append", default=[], metavar="A@MS[:HOLD]", help="press a button"
    )
    parser.add_argument("--flash-kib", type=int, help="flash size (default: the board's)")
    parser.add_argument("--bus-error-ms", type=int, help="fault: the I2C bus fails from then")
    parser.add_argument("--bus-hang-ms", type=int, help="fault: the I2C bus locks up then")
    parser.add_argument("--bus-glitch-ms", type=int, help="fault: one I2C transfer fails then")
    parser.add_argument(
        "--imu-clock-pct", type=clock_pct, default=0.0, help="the IMU's clock off nominal, %%"
    )
    parser.add_argument("--imu-reset-ms", type=int, help="fault: the IMU resets to sleep then")
    parser.add_argument("--stall-ms", type=int, help="fault: the firmware's loop is held then")
    parser.add_argument("--stall-len-ms", type=int, default=1000, help="for this long")
    parser.add_argument(
        "--interrupt-ms", type=int, metavar="MS", help="Ctrl-C on the console at this sensor ms"
    )
    parser.add_argument(
        "--repl",
        default="idle:10000",
        metavar="STEPS",
        help="what the REPL does when no app runs: idle:MS, raw-reset (mpremote's Ctrl-A "
        "Ctrl-D: boot.py only), soft-reset (Ctrl-D: boot.py, main.py); comma-separated",
    )
    parser.add_argument(
        "--heap",
        metavar="SIZE",
        help=f"the unix port's heap, e.g. 110k (default {HEAP}, with --cpu {CPU_HEAP}; "
        "see docs/firmware.md, RAM)",
    )
    parser.add_argument(
        "--mpy",
        action="store_true",
        help="run the firmware and stand-ins precompiled by mpy-cross, as flashed (for --heap)",
    )
    parser.add_argument(
        "--clock",
        choices=("set", "unset"),
        default="set",
        help="unset: boot with every clock invalid, as after a power-off (docs/firmware.md)",
    )
    parser.add_argument(
        "--cpu",
        choices=sorted(CPU_FACTORS_MILLI),
        help="timing model: the firmware runs as slowly as on this CPU, flash writes cost time",
    )
    parser.add_argument(
        "--flash-timing",
        choices=("typical", "worst"),
        help="--cpu: flash erase/program times from the datasheet (default typical)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--serve",
        choices=("serial", "ble"),
        help="serve USB sync on a pty (serve.py) or BLE on a virtual radio (ble_serve.py) "
        "until killed",
    )
    parser.add_argument("--pair", action="store_true", help="--serve ble: open pairing after")
    parser.add_argument("--live", action="store_true", help="--serve ble: config live true")
    parser.add_argument("--radio-off-ms", metavar="T:D", help="--serve ble: radio gone T..T+D")
    parser.add_argument(
        "--speed", type=float, default=0, help="--serve: recording speed (0: as fast as it runs)"
    )
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.serve == "ble":
        try:
            from footfall.sim.ble_serve import serve_ble as run
        except ImportError as e:  # Bumble is an optional extra: something needed is missing
            msg = f"--serve ble needs Bumble ({e}): pip install 'footfall[ble-sim]'"
            raise EngineError(msg) from e
    elif args.serve:
        from footfall.sim.serve import serve_serial as run
    else:
        run = simulate
    check_args(args)
    out = run(args)
    if args.json:
        print(json.dumps(out), flush=True)
    else:
        print_summary(out)
    return 1 if str(out.get("exit")).startswith("crash") else 0
