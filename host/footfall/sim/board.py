"""The virtual board: a recording through the real firmware, built once from SimOptions.

`prepare()` writes everything one run of the board needs (the samples, the scenario, the
flash folder, precompiled modules) and gives the unix port's command line and environment;
`simulate()` runs it to the end, and `footfall.sim.serve` runs it behind a pty.

The recording is resampled to the rate the board's IMU driver actually runs at (the same
resampler `footfall detect` uses), the firmware (`main.py`, footfall_fw, drivers, core) runs
unchanged in the MicroPython unix port with the stand-in `machine`/`time`/`select` modules of
`footfall/sim/mpy` first on its path, and the flash folder is `out`. The summary, one
object: session_files, steps, cues_ms (recording times of every cue: "quicken" and the
escalated "quicken_more", or the impact mode's "soften" and "soften_more"), board, plays
(every pattern with its recording time), rate_hz, exit (why the board stopped) and counters.

Time: virtual = real ticks + every wait skipped (see mpy/time.py), so an hour-long run
takes as long as its computation; the emulated IMU fills its FIFO from that clock. With
--cpu esp32 the firmware's CPU time counts ESP32_FACTOR_MILLI / 1000 times over and flash
writes cost what SPI NOR does (mpy/os.py), so stalls, FIFO overflows and watchdog resets
show as they would on the board (docs/virtual-board.md, Timing).
"""

import dataclasses
import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from footfall_core.header import EPOCH_2000_S

from footfall.csvio import read_recording
from footfall.engine import micropython_binary, port_failure
from footfall.errors import EngineError, UsageError
from footfall.flash import SCRIPTS, compile_commands, default_board, run_command
from footfall.paths import FIRMWARE, firmware_config
from footfall.resample import Resampled, continuous, resample
from footfall.settings import OPTION_FIELDS
from footfall.sim import MPY_DIR
from footfall.sim.energy import energy

SIM_DIR = MPY_DIR.parent  # helper modules beside mpy/: imu_emu
# The radio's stand-ins (`bluetooth`, aioble): on the unix port's path only when serving BLE,
# so a plain `footfall sim` neither finds nor compiles them (its heap holds the firmware).
MPY_BLE_DIR = SIM_DIR / "mpy_ble"
DEFAULT_BOARD = default_board()
HEAP = "8M"
TIMEOUT_S = 900
CLOCK_MARK = "footfall-utc"  # firmware/footfall_fw/board.py CLOCK_MARK
# firmware/footfall_fw/app.py CUE_PATTERNS and IMPACT_PATTERNS
CUE_PATTERNS = ("quicken", "quicken_more", "soften", "soften_more")

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


@dataclass
class SimOptions:
    """One run of the virtual board (the options of `footfall sim`, as values)."""

    recording: str
    out: str = "build/sim-flash"  # the board's flash folder
    board: str = DEFAULT_BOARD
    placement: str = "waist"
    rate: int = 100  # asked of the IMU
    target: int | None = None  # None: the device learns it
    tolerance: int | None = None
    coach: str | None = None
    repeat_s: int | None = None
    beat_steps: int | None = None
    beat_out: str | None = None
    impact_limit_mg: int | None = None
    impact_drop_pct: int | None = None
    programme: str | None = None
    battery_mv: int = 4000
    press: list[str] = dataclasses.field(default_factory=list)  # "A@MS[:HOLD]"
    flash_kib: int | None = None  # None: the board's
    bus_error_ms: int | None = None
    bus_hang_ms: int | None = None
    bus_glitch_ms: int | None = None
    imu_clock_pct: float = 0.0
    imu_reset_ms: int | None = None
    stall_ms: int | None = None
    stall_len_ms: int = 1000
    interrupt_ms: int | None = None
    repl: str = "idle:10000"
    heap: str | None = None
    mpy: bool = False
    clock: str = "set"
    cpu: str | None = None
    flash_timing: str | None = None
    serve: str | None = None
    speed: float = 0
    pair: bool = False  # --serve ble: the runner opens the pairing window once it has played
    live: bool = False  # --serve ble: config live true, BLE on during the session
    radio_off_ms: str | None = None  # --serve ble: "T:D", the radio gone from T for D ms
    idle_hours: float | None = None  # after the recording: this long lying still


def flash_timing(opts: SimOptions) -> str | None:
    """The flash timing the --cpu model charges (typical unless asked), None without --cpu."""
    return (opts.flash_timing or "typical") if opts.cpu else None


def heap(opts: SimOptions) -> str:
    """The unix port's heap: --heap, else CPU_HEAP with --cpu, else HEAP. A metronome mode
    with --cpu gets HEAP too: the stand-ins log every beat's PWM changes in the board's
    heap (sim/mpy/_sim.py), which outgrows CPU_HEAP within minutes."""
    metronome = str(opts.coach or "").startswith("metronome")
    if opts.heap or not opts.cpu or metronome:
        return opts.heap or HEAP
    return CPU_HEAP


# sys.implementation._mpy >> 10 -> mpy-cross -march (py/persistentcode.h MP_NATIVE_ARCH_*)
MPY_ARCHS: tuple[str, ...] = ("", "x86", "x64", "armv6", "armv6m", "armv7m", "armv7em")
MPY_ARCHS += ("armv7emsp", "armv7emdp", "xtensa", "xtensawin", "rv32imc", "rv64imc")


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


def board_samples(opts: SimOptions) -> tuple[Resampled, int]:
    """The recording as the board's IMU measures it, and the recording time of its start.

    An IMU clock off by p % (--imu-clock-pct) samples the motion at rate * (1 + p/100): the
    recording on a time axis scaled by (1 + p/100), on the chip's grid, is what it measures.
    """
    rec = read_recording(opts.recording)
    continuous(rec, opts.rate)
    t_ms = rec.t_ms
    if opts.imu_clock_pct:
        t_ms = np.rint(rec.t_ms * (1 + opts.imu_clock_pct / 100)).astype(np.int64)
    grid = chip_grid(t_ms, rec.acc_mg, opts.board, opts.rate)
    return grid, int(rec.t_ms[0]) if opts.imu_clock_pct else grid.t0_ms


def chip_grid(t_ms: np.ndarray, acc_mg: np.ndarray, board: str, rate_hz: int) -> Resampled:
    """The recording as the board's chip samples it: at the chip's true rate (rate_mhz), which
    may differ from the integer rate the core counts in (the LSM6DSO's 104 Hz is 104.172 Hz).
    The grid is on the core's integer rate over time scaled by rate_hz * 1000 / rate_mhz."""
    rate, mhz = board_rates(board, rate_hz)
    if mhz != rate * 1000:
        t_ms = np.rint(np.asarray(t_ms, dtype=np.float64) * (rate * 1000 / mhz))
    return resample(t_ms, acc_mg, rate)


# A LiPo cell reads 3000-4350 mV; up to 5 V covers a board on USB power. Below 0 is no cell.
MAX_BATTERY_MV = 5000
# option -> the config field it sets on the virtual board: those of `footfall config`'s
# options that the simulator takes too
CONFIG_OPTIONS = {
    option: field
    for option, field in OPTION_FIELDS.items()
    if option in {f.name for f in fields(SimOptions)}
}


def check(opts: SimOptions) -> None:
    """UsageError (exit 2, before booting) for options that do not combine, an --out that is
    not a folder, and a config option the firmware's config refuses (footfall_fw/config.py
    check(), with its message)."""
    if opts.flash_timing and not opts.cpu:
        raise UsageError("--flash-timing needs --cpu")
    if opts.cpu and opts.serve:
        raise UsageError("--cpu does not combine with --serve (a paced clock)")
    for flag in ("pair", "live", "radio_off_ms"):
        if getattr(opts, flag) and opts.serve != "ble":
            raise UsageError(f"--{flag.replace('_', '-')} needs --serve ble")
    if opts.out == "-" or Path(opts.out).exists() and not Path(opts.out).is_dir():
        raise UsageError(f"--out {opts.out}: not a folder (the board's flash)")
    if not 0 <= opts.battery_mv <= MAX_BATTERY_MV:
        raise UsageError(f"--battery-mv {opts.battery_mv}: takes 0 to {MAX_BATTERY_MV} mV")
    for spec in opts.press:
        press_spec(opts.board, spec)
    repl_steps(opts.repl)
    rules = firmware_config()
    if rules is None:
        return
    for option, field in CONFIG_OPTIONS.items():
        value = getattr(opts, option)
        if value is None:
            continue
        try:
            rules.check(field, value)
        except ValueError as exc:
            raise UsageError(f"--{option.replace('_', '-')} {value}: {exc}") from None


def scenario(opts: SimOptions, work: Path, samples: Path, rate_hz: int) -> dict:
    cfg: dict[str, object] = {"placement": opts.placement}
    for option, field in CONFIG_OPTIONS.items():
        if getattr(opts, option) is not None:
            cfg[field] = getattr(opts, option)
    if opts.target is not None:  # a fixed target; without one the device learns it
        cfg["auto_target"] = False
    if opts.live:
        cfg["live"] = True
    unset = opts.clock == "unset"
    return {
        "board": opts.board,
        "rate_hz": rate_hz,
        "samples": str(samples),
        "flash": str(Path(opts.out).resolve()),
        "result": str(work / "result.json"),
        "events": str(work / "events.tsv"),
        "files": {"board.txt": opts.board, "config.json": json.dumps(cfg)},
        "battery_mv": opts.battery_mv,
        # --clock set: the clocks hold UTC, as `footfall flash` leaves them (its set_clock
        # writes the RTC chip and footfall_fw.board.CLOCK_MARK into RTC memory). --clock
        # unset: as after a Plus2 power-off, the ESP32 clock at 2000-01-01, RTC memory
        # empty, the BM8563's VL bit set.
        "clock": opts.clock,
        "epoch_s": EPOCH_2000_S if unset else int(time.time()),
        "rtc_memory": "" if unset else CLOCK_MARK,
        "flash_bytes": opts.flash_kib * 1024
        if opts.flash_kib
        else board_value(opts.board, "FS_BYTES"),
        "presses": [press_spec(opts.board, p) for p in opts.press],
        "bus_error_ms": opts.bus_error_ms,
        "bus_hang_ms": opts.bus_hang_ms,
        "bus_glitch_ms": opts.bus_glitch_ms,
        "imu_clock_ppm": round(opts.imu_clock_pct * 10000),
        "imu_reset_ms": opts.imu_reset_ms,
        "stall_ms": opts.stall_ms,
        "stall_len_ms": opts.stall_len_ms,
        "interrupt_ms": opts.interrupt_ms,
        "repl": repl_steps(opts.repl),
        "cpu_factor_milli": CPU_FACTORS_MILLI[opts.cpu] if opts.cpu else 0,
        # the power model meters the ESP32's CPU time on every run (footfall.sim.energy)
        "meter_factor_milli": ESP32_FACTOR_MILLI,
        "flash_timing": flash_timing(opts),
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
        raise UsageError(f"--press {spec}: takes A@MS or B@MS:HOLD_MS (P: power)") from None


def board_value(board: str, name: str) -> int:
    """A constant from firmware/boards/<board>.py (data only: executed, not imported)."""
    return int(board_constants(board)[name])  # type: ignore[call-overload]


def board_constants(board: str) -> dict[str, object]:
    """The constants of firmware/boards/<board>.py (data only: executed, not imported)."""
    names: dict[str, object] = {}
    exec((FIRMWARE / "boards" / f"{board}.py").read_text(), names)  # our data
    return {k: v for k, v in names.items() if k.isupper()}


def board_pins(board: str) -> dict[str, int]:
    """Button letter -> pin: A, B, and P (the power button) on boards that have one."""
    names = board_constants(board)
    pins = {"A": int(names["BUTTON_A"]), "B": int(names["BUTTON_B"])}  # type: ignore[call-overload]
    if names.get("BUTTON_POWER") is not None:
        pins["P"] = int(names["BUTTON_POWER"])  # type: ignore[call-overload]
    return pins


@dataclass(frozen=True)
class Prepared:
    """One run, set up: the unix port's command line and environment, the work folder
    (result.json appears there) and the recording time of the board's first sample."""

    argv: list[str]
    env: dict[str, str]
    work: Path
    t0_ms: int

    def result(self) -> dict | None:
        """The board's result.json, or None when it wrote none."""
        path = self.work / "result.json"
        return json.loads(path.read_text()) if path.exists() else None


def prepare(opts: SimOptions, work: Path, **extra: object) -> Prepared:
    """Write the board's samples and scenario (plus `extra` scenario fields) into `work`,
    make the flash folder, precompile with --mpy or --cpu; the run's command line."""
    grid, t0_ms = board_samples(opts)
    Path(opts.out).mkdir(parents=True, exist_ok=True)
    samples = work / "samples.bin"
    acc = np.asarray(grid.acc_mg)
    still = lying_still(acc, grid.rate_hz, opts.idle_hours)
    samples.write_bytes(np.vstack([acc, still]).astype("<i2").tobytes())
    sc = scenario(opts, work, samples, grid.rate_hz)
    if opts.idle_hours is not None:
        sc["idle_samples"] = len(still)
        sc["tail_ms"] = TAIL_MS + round(opts.idle_hours * 3_600_000)
    sc.update(extra)
    (work / "scenario.json").write_text(json.dumps(sc))
    # A board runs its modules precompiled (footfall flash): with --cpu, so does the sim,
    # or compiling them here would be charged as the board's time.
    path = precompile(work / "mpy") if opts.mpy or opts.cpu else [MPY_DIR, SIM_DIR, FIRMWARE]
    if opts.serve == "ble":  # the radio's stand-ins, after the other stand-ins
        path = [path[0], MPY_BLE_DIR, *path[1:]]
    argv = [micropython_binary(), "-X", f"heapsize={heap(opts)}"]
    argv += [str(MPY_DIR / "simboot.py"), str(work / "scenario.json")]
    return Prepared(argv, unix_port_env(path), work, t0_ms)


TAIL_MS = 5000  # the board runs on this long after the recording (_sim.py tail_ms)
# --idle-hours: the device lies still after the recording, its IMU measuring gravity (the
# recording's last sample) and white noise of STILL_NOISE_MG per axis (footfall.synth's
# sensor noise), for up to STILL_MAX_S; past that the chip holds its last sample, as it
# does after any recording (a board that powers off when idle never gets there).
STILL_NOISE_MG = 15.0
STILL_MAX_S = 1800
STILL_SEED = 13


def lying_still(acc_mg: np.ndarray, rate_hz: int, idle_hours: float | None) -> np.ndarray:
    """The samples of a device lying still after the recording, for --idle-hours."""
    if idle_hours is None or not len(acc_mg):
        return np.zeros((0, 3), dtype=np.int16)
    n = int(min(idle_hours * 3600, STILL_MAX_S) * rate_hz)
    noise = np.random.default_rng(STILL_SEED).normal(0.0, STILL_NOISE_MG, (n, 3))
    still = np.rint(acc_mg[-1] + noise)
    return np.clip(still, -32767, 32767).astype(np.int16)


def simulate(opts: SimOptions) -> dict:
    """Run the virtual board over opts.recording to its end; return the summary."""
    with tempfile.TemporaryDirectory(prefix="footfall-sim-") as tmp:
        run = prepare(opts, Path(tmp))
        try:
            proc = subprocess.run(
                run.argv,
                capture_output=True,
                stdin=subprocess.DEVNULL,  # the console has no host: usb_link reads nothing
                env=run.env,
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise EngineError(
                f"virtual board still running after {TIMEOUT_S} s: stopped (a recording "
                "this long needs a faster machine)"
            ) from None
        console = proc.stdout.decode(errors="replace")
        result = run.result()
        if proc.returncode != 0 or result is None:
            raise EngineError(f"virtual board failed: {port_failure(proc)}")
        events = read_events(run.work / "events.tsv")
    result["energy"] = energy(result, events, board_constants(opts.board), opts.idle_hours)
    return summarise(result, opts, run.t0_ms, console)


def read_events(path: Path) -> list[tuple]:
    """The stand-ins' log (sim/mpy/_sim.py log()): sensor ms, kind, values."""
    if not path.exists():
        return []
    with open(path) as f:
        return [tuple(line.rstrip("\n").split("\t")) for line in f if line.strip()]


def summarise(result: dict, opts: SimOptions, t0_ms: int, console: str) -> dict:
    sessions = sorted((Path(opts.out) / "sessions").glob("*.ffs"))
    plays = [[t + t0_ms, name] for t, name in result.pop("plays")]
    result.pop("power", None)  # integrated into `energy`
    return {
        "recording": opts.recording,
        "board": opts.board,
        "placement": opts.placement,
        "session_files": [str(p) for p in sessions],
        "steps": result.pop("steps", 0),
        "cues_ms": [t for t, name in plays if name in CUE_PATTERNS],
        "plays": plays,
        "cpu": opts.cpu,
        "flash_timing": flash_timing(opts),
        **result,
        "console": console.splitlines(),
    }
