# ruff: noqa: E402 - bumble is imported after require() names its extra when absent
"""`footfall sim REC --serve ble`: the firmware's own BLE code on a virtual radio.

    $ footfall sim run.csv --serve ble --pair
    ble:footfall-F00D
    FOOTFALL_HCI=tcp-client:127.0.0.1:40123
    ...                                  (serves until SIGTERM or Ctrl-C)
    $ FOOTFALL_HCI=tcp-client:127.0.0.1:40123 footfall sync --device ble:footfall-F00D

The unix port runs main.py with the stand-in `bluetooth` (sim/mpy_ble/bluetooth.py) and the
project's aioble (sim/mpy_ble/aioble); its calls reach a BoardRadio (ble_bridge.py) in this
process, a Bumble Device on a LocalLink. A second controller on the same link is offered
to hosts as an HCI transport on a local TCP port: a host's Bumble stack (footfall's bleak
backend under FOOTFALL_HCI) attaches to it as to a USB dongle.

The two lines are printed once the board advertises after its recording has played (BLE is
off while a session is open), at once with --live, and with --pair once its pairing window
is open too. --pair: the virtual
runner holds button B (the pairing gesture, docs/runner.md) once the recording has played.
--live: config live true (BLE stays on during the session). --radio-off-ms T:D: the radio
is gone from board time T for D ms (links drop, advertising stops).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from footfall.extras import require

require("bumble")  # the ble-sim extra: MissingExtra, naming it, when it is absent

from bumble import hci as bumble_hci
from bumble import ll
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

from footfall.errors import EngineError, UsageError
from footfall.sim.ble_bridge import BoardRadio, Pipe
from footfall.sim.board import SimOptions, prepare, summarise
from footfall.sim.serve import STOP_TIMEOUT_S, TAIL_MS


def radio_off_spec(text: str | None) -> list[int] | None:
    """'T:D' (board ms) -> [T, D]; UsageError otherwise."""
    if text is None:
        return None
    at, _, length = text.partition(":")
    try:
        t_ms, d_ms = int(at), int(length)
    except ValueError:
        raise UsageError(f"--radio-off-ms {text}: takes T:D (board ms, ms)") from None
    if t_ms < 0 or d_ms <= 0:
        raise UsageError(f"--radio-off-ms {text}: T >= 0 and D > 0")
    return [t_ms, d_ms]


class HostController(Controller):
    """The controller offered to hosts over HCI. An HCI Reset ends its links and any pending
    connection, as a real controller's reset does (Core Vol 4 Part E 7.3.2), so a host that
    was killed mid-sync leaves the board free for the next one: the board sees the link
    time out."""

    def on_hci_reset_command(self, command: Any) -> Any:
        for conn in list(self.le_connections.values()):
            conn.send_ll_control_pdu(ll.TerminateInd(bumble_hci.HCI_CONNECTION_TIMEOUT_ERROR))
            del self.le_connections[conn.peer_address]
        self.pending_le_connection = None
        return super().on_hci_reset_command(command)


class Announcer:
    """Prints the two lines once: the board advertises after its recording has played
    (from the start with --live), and with --pair its pairing window is open."""

    def __init__(self, radio: BoardRadio, hci_spec: str, pair: bool, live: bool) -> None:
        self.radio = radio
        self.hci_spec = hci_spec
        self.pair = pair
        self.live = live
        self.done = False

    def __call__(self, name: str) -> None:
        if self.done or (self.pair and not self.radio.bond):
            return
        if not (self.live or self.radio.played):
            return
        self.done = True
        print(f"ble:{name}", flush=True)
        print(f"FOOTFALL_HCI={self.hci_spec}", flush=True)


async def serve(opts: SimOptions) -> dict[str, Any]:
    """Run the board and its radio until SIGTERM/SIGINT; the summary as `footfall sim`."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    link = LocalLink()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    hci = await open_tcp_server_transport_with_socket(sock)
    HostController("footfall-hci", host_source=hci.source, host_sink=hci.sink, link=link)
    spec = f"tcp-client:127.0.0.1:{sock.getsockname()[1]}"
    to_board_r, to_board_w = os.pipe()
    from_board_r, from_board_w = os.pipe()
    control_r, control_w = os.pipe()
    pipe = Pipe(from_board_r, to_board_w)
    radio = BoardRadio(link, Path(opts.out).resolve(), pipe.send)
    radio.on_advertising = Announcer(radio, spec, opts.pair, opts.live)
    with tempfile.TemporaryDirectory(prefix="footfall-serve-ble-") as tmp:
        work = Path(tmp)
        fds = {"ble_rx_fd": to_board_r, "ble_tx_fd": from_board_w, "control_fd": control_r}
        run = prepare(
            opts,
            work,
            serve="ble",
            speed=opts.speed,
            tail_ms=TAIL_MS,
            radio_off_ms=radio_off_spec(opts.radio_off_ms),
            pair=opts.pair,
            **fds,
        )
        console = open(work / "console.txt", "wb")
        proc = subprocess.Popen(
            run.argv,
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
            pass_fds=(to_board_r, from_board_w, control_r),
            env=run.env,
            start_new_session=True,
        )
        for fd in (to_board_r, from_board_w, control_r):
            os.close(fd)
        try:
            await _run(loop, pipe, radio, stop)
        finally:
            os.close(control_w)  # the board powers off at its next wait
            await _stopped(proc)
            console.close()
            for fd in (from_board_r, to_board_w):
                os.close(fd)
            await hci.close()
        text = (work / "console.txt").read_text(errors="replace")
        result = run.result()
        if result is None:
            tail = text.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            raise EngineError(f"virtual board failed: {tail[0]}")
    return summarise(result, opts, run.t0_ms, text)


async def _run(
    loop: asyncio.AbstractEventLoop, pipe: Pipe, radio: BoardRadio, stop: asyncio.Event
) -> None:
    queue: asyncio.Queue[list[Any] | None] = asyncio.Queue()

    def readable() -> None:
        msgs = pipe.feed()
        if msgs is None:
            loop.remove_reader(pipe.rx_fd)
            queue.put_nowait(None)
            return
        for msg in msgs:
            queue.put_nowait(msg)

    loop.add_reader(pipe.rx_fd, readable)

    async def work() -> None:
        while (msg := await queue.get()) is not None:
            try:
                await radio.handle(msg)
            except Exception as exc:
                print(f"footfall: virtual radio: {msg[0]}: {exc!r}", flush=True)
        stop.set()  # the board has gone

    worker = asyncio.create_task(work())
    await stop.wait()
    loop.remove_reader(pipe.rx_fd)
    worker.cancel()


async def _stopped(proc: subprocess.Popen[bytes]) -> None:
    for _ in range(int(STOP_TIMEOUT_S * 20)):
        if proc.poll() is not None:
            return
        await asyncio.sleep(0.05)
    proc.kill()
    proc.wait()
    raise EngineError("virtual board did not stop; killed")


def serve_ble(opts: SimOptions) -> dict[str, Any]:
    """`footfall sim --serve ble`: serve until stopped; return the run's summary."""
    radio_off_spec(opts.radio_off_ms)
    return asyncio.run(serve(opts))
