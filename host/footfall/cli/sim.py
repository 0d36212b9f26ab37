"""`footfall sim`: replay a recording through the real firmware on the virtual board.

The options become footfall.sim.board.SimOptions; the board runs to its end
(footfall.sim.board.simulate) or serves USB sync on a pty until stopped
(footfall.sim.serve, --serve serial). With --json, one object: session_files, steps, cues_ms
(recording times of every cue: "quicken" and the escalated "quicken_more", or the impact
mode's "soften" and "soften_more"), board, plays
(every pattern with its recording time), rate_hz, exit (why the board stopped) and counters.
"""

import argparse
import json
from dataclasses import fields

from footfall_core.header import PLACEMENTS

from footfall.cli.config import add_coach_options
from footfall.flash import known_boards
from footfall.sim import board
from footfall.sim.board import CPU_FACTORS_MILLI, CPU_HEAP, DEFAULT_BOARD, HEAP, SimOptions

TRACEBACK_LINES = 6  # of the board's console, shown when the firmware does not start


def options(args: argparse.Namespace) -> SimOptions:
    """The parsed options as SimOptions."""
    return SimOptions(**{f.name: getattr(args, f.name) for f in fields(SimOptions)})


def simulate(args: argparse.Namespace) -> dict:
    """Run the virtual board as `footfall sim` parsed `args`; return the --json object."""
    return board.simulate(options(args))


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


MAX_IDLE_HOURS = 24 * 31


def idle_hours(text: str) -> float:
    """--idle-hours: 0 to a month of virtual time (argparse turns the error into exit 2)."""
    try:
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= hours <= MAX_IDLE_HOURS:
        raise argparse.ArgumentTypeError(f"{text} is outside 0..{MAX_IDLE_HOURS}")
    return hours


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
    parser.add_argument("--placement", choices=PLACEMENTS, default="waist")
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
    parser.add_argument(
        "--idle-hours",
        type=idle_hours,
        metavar="H",
        help="after the recording, H more hours lying still (energy.standby_days)",
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
    opts = options(args)
    board.check(opts)
    if opts.serve == "ble":
        # Bumble is the ble-sim extra: MissingExtra, naming it, when it is not installed
        from footfall.sim.ble_serve import serve_ble

        out = serve_ble(opts)
    elif opts.serve:
        from footfall.sim.serve import serve_serial

        out = serve_serial(opts)
    else:
        out = simulate(args)
    if args.json:
        print(json.dumps(out), flush=True)
    else:
        print_summary(out)
    return 1 if str(out.get("exit")).startswith("crash") else 0
