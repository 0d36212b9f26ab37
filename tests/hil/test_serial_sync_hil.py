"""USB serial sync with a real board running the firmware (opt-in: FOOTFALL_PORT=/dev/ttyACM0).

The board must be running main.py (after `footfall flash`, reset it). Nothing is deleted; the
last test breaks into the REPL as mpremote does, so reset the board afterwards.
"""

import asyncio
import os

import pytest
from footfall.transport import open_transport

from tests.hil.sync_check import fetched_vs_listed

PORT = os.environ.get("FOOTFALL_PORT")
pytestmark = pytest.mark.skipif(not PORT, reason="no board: set FOOTFALL_PORT to sync one")


def test_every_session_on_the_board_fetches_with_the_crc_its_list_gives() -> None:
    for fetched, listed in asyncio.run(fetched_vs_listed(f"serial:{PORT}")):
        assert fetched == listed


def test_after_bye_the_console_answers_the_repl_again() -> None:
    from footfall.transport.serial import close_port, open_port

    async def sync_once() -> None:
        sync = await open_transport(f"serial:{PORT}")
        await sync.close()  # BYE: Ctrl-C enabled again

    asyncio.run(sync_once())
    port = open_port(PORT, 115200, 3)  # DTR/RTS as mpremote sets them: no auto-reset
    try:
        port.write(b"\r\x03\x03")  # what mpremote sends to break in
        assert b">>>" in port.read_until(b">>> ")
    finally:
        close_port(port)
