"""The virtual board serving the firmware's real USB sync over a real pty (`--serve serial`).

    $ footfall sim run.csv --serve serial --out build/sim-flash
    serial:/dev/pts/7
    ...                                  (serves until SIGTERM or Ctrl-C)
    $ footfall sync --device serial:/dev/pts/7

The first line names the pty (flushed at once). The unix port gets the pty's master end as
its stdin and stdout, exactly where a board's USB serial console is, so `footfall_fw.usb_link`
serves it unchanged and the firmware's console text shares the line with sync frames, as on
the board (the host's frame parser skips it). The master is non-blocking: with no host
reading, console text and replies that do not fit the pty's buffer are dropped instead of
stalling the board. This process keeps the slave end open (raw mode), so a host may close
and reopen the port at will.

Time: the recording plays at --speed times real time (0, the default: as fast as the board
computes, as a plain `footfall sim`); when it has run out (the runner's stop press closes the
session one second later) the board keeps sampling an empty FIFO and serving sync in real
time. SIGTERM or SIGINT closes the control pipe, the board powers off (its result written)
and the summary (or --json object, with the link's counters under "usb") is printed; exit 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import threading
import tty
from pathlib import Path
from typing import Any

from footfall.errors import EngineError
from footfall.sim.board import Prepared, SimOptions, prepare, summarise

TAIL_MS = 10**9  # "never": the board powers off only when the host says so
STOP_TIMEOUT_S = 10.0


def open_pty() -> tuple[int, int, str]:
    """(master fd, slave fd, slave path): slave in raw mode, master non-blocking."""
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


class StopSignals:
    """SIGTERM and SIGINT set `stop` while in the with-block (installed before the pty line
    is printed, so a signal sent as soon as it is read is never lost)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, lambda *_: self.stop.set())
        return self

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def wait(self, proc: subprocess.Popen[bytes]) -> None:
        """Block until a signal came or the board stopped by itself."""
        while not self.stop.wait(0.25) and proc.poll() is None:
            pass


def start_board(
    opts: SimOptions, work: Path, master: int, control_fd: int
) -> tuple[subprocess.Popen[bytes], Prepared]:
    run = prepare(
        opts, work, serve="serial", speed=opts.speed, control_fd=control_fd, tail_ms=TAIL_MS
    )
    proc = subprocess.Popen(
        run.argv,
        stdin=master,
        stdout=master,
        pass_fds=(control_fd,),
        env=run.env,
        start_new_session=True,  # a terminal's Ctrl-C reaches this process only
    )
    return proc, run


def serve_serial(opts: SimOptions) -> dict:
    """Serve until stopped; return the summary of the run (as `footfall sim --json`)."""
    master, slave, path = open_pty()
    control_r, control_w = os.pipe()
    try:
        with tempfile.TemporaryDirectory(prefix="footfall-serve-") as tmp, StopSignals() as sigs:
            work = Path(tmp)
            proc, run = start_board(opts, work, master, control_r)
            os.close(control_r)
            control_r = -1
            print(f"serial:{path}", flush=True)
            sigs.wait(proc)
            os.close(control_w)  # the board powers off at its next wait
            control_w = -1
            try:
                proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise EngineError("virtual board did not stop; killed") from None
            result = run.result()
            if result is None:
                raise EngineError(f"virtual board failed (exit status {proc.returncode})")
    finally:
        for fd in (master, slave, control_r, control_w):
            if fd >= 0:
                os.close(fd)
    return summarise(result, opts, run.t0_ms, "")
