"""USB serial sync with a real board running the firmware (opt-in: FOOTFALL_PORT=/dev/ttyACM0).

The board must be running main.py (after `footfall flash`, reset it). Nothing is deleted; the
last test breaks into the REPL as mpremote does, so reset the board afterwards.
"""

import asyncio
import os

import pytest
from footfall.transport import open_transport
from footfall.transport.link import decode, fetch
from footfall_core import protocol as P
from footfall_core.crc import crc16

PORT = os.environ.get("FOOTFALL_PORT")
pytestmark = pytest.mark.skipif(not PORT, reason="no board: set FOOTFALL_PORT to sync one")


def test_every_session_on_the_board_fetches_with_the_crc_its_list_gives() -> None:
    async def scenario() -> list[tuple[int, int, int, int]]:
        sync = await open_transport(f"serial:{PORT}")
        try:
            _total, _first, entries = decode(
                P.unpack_list, await sync.link.request(P.LIST, b"\0\0")
            )
            out = []
            for sid, _start, _dur, _steps, size, crc in entries:
                data = await fetch(sync.link, sid)
                out.append((len(data), size, crc16(data, 0, len(data)), crc))
            return out
        finally:
            await sync.close()

    for got_size, size, got_crc, crc in asyncio.run(scenario()):
        assert (got_size, got_crc) == (size, crc)


def test_after_bye_the_console_answers_the_repl_again() -> None:
    import serial  # type: ignore[import-untyped]

    async def sync_once() -> None:
        sync = await open_transport(f"serial:{PORT}")
        await sync.close()  # BYE: Ctrl-C enabled again

    asyncio.run(sync_once())
    with serial.Serial(PORT, 115200, timeout=3) as port:
        port.write(b"\r\x03\x03")  # what mpremote sends to break in
        assert b">>>" in port.read_until(b">>> ")
