"""The virtual board's radio (footfall.sim.ble_bridge) driven as the stand-in `bluetooth` drives
it, against the host's bleak code on a Bumble central: NimBLE's behaviour where the firmware
relies on it. No unix port: fast."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakClient, BleakScanner
from footfall.sim.ble_bridge import (
    FLAG_WRITE,
    FLAG_WRITE_ENCRYPTED,
    FLAG_WRITE_NO_RESPONSE,
    IRQ_CENTRAL_CONNECT,
    IRQ_ENCRYPTION_UPDATE,
    IRQ_GATTS_WRITE,
    BoardRadio,
)
from footfall.transport.ble_bumble import VirtualRadio
from footfall_core import ble_defs as B

# Bumble's virtual radio: a radio boundary (tests/conftest.py, the e2e rule)
pytestmark = pytest.mark.e2e

MAC = "240ac45ff00f"
NAME = "footfall-F00D"
RX_HANDLE = 3  # as the stand-in numbers it: service 1, declaration 2, value 3
FLAGS = FLAG_WRITE | FLAG_WRITE_NO_RESPONSE | FLAG_WRITE_ENCRYPTED


def _le_hex(uuid: str) -> str:
    return bytes.fromhex(uuid.replace("-", ""))[::-1].hex()


async def _board(radio: VirtualRadio, flash: Path, bond: bool) -> tuple[BoardRadio, list]:
    events: list[list[Any]] = []
    board = BoardRadio(radio.link, flash, events.append)
    name = NAME.encode()
    adv = bytes((2, 0x01, 0x06, len(name) + 1, 0x09)) + name
    for msg in (
        ["active", 1, MAC],
        ["config", {"gap_name": NAME, "mtu": 247, "bond": bond}],
        ["register", [[_le_hex(B.SYNC_SERVICE_UUID), [[_le_hex(B.SYNC_RX_UUID), FLAGS, 3, []]]]]],
        ["buffer", RX_HANDLE, 244],
        ["advertise", 250_000, adv.hex(), None, True],
    ):
        await board.handle(msg)
    return board, events


def _exchange(flash: Path, bond: bool, response: bool) -> tuple[list, BoardRadio]:
    async def go() -> tuple[list, BoardRadio]:
        radio = VirtualRadio()
        board, events = await _board(radio, flash, bond)
        scanner, client = radio.bleak_backends()
        device = await BleakScanner.find_device_by_name(NAME, 5.0, backend=scanner)
        assert device is not None
        async with BleakClient(device, backend=client) as c:
            await c.write_gatt_char(B.SYNC_RX_UUID, b"hello", response=response)
            for _ in range(50):
                await asyncio.sleep(0.01)
        return events, board

    return asyncio.run(go())


def _codes(events: list) -> list[int]:
    return [e[0] for e in events]


def test_an_unencrypted_write_command_to_an_encrypted_characteristic_is_dropped(
    tmp_path: Path,
) -> None:
    events, _ = _exchange(tmp_path, bond=True, response=False)
    assert IRQ_CENTRAL_CONNECT in _codes(events)
    assert IRQ_GATTS_WRITE not in _codes(events)
    assert IRQ_ENCRYPTION_UPDATE not in _codes(events)  # nothing prompted a pairing


def test_a_write_request_pairs_first_and_outside_the_window_the_link_is_not_bonded(
    tmp_path: Path,
) -> None:
    events, board = _exchange(tmp_path, bond=False, response=True)
    updates = [e for e in events if e[0] == IRQ_ENCRYPTION_UPDATE]
    writes = [e for e in events if e[0] == IRQ_GATTS_WRITE]
    assert len(updates) == 1 and updates[0][2] is True and updates[0][4] is False
    assert writes and bytes.fromhex(writes[0][3]) == b"hello"
    assert _codes(events).index(IRQ_ENCRYPTION_UPDATE) < _codes(events).index(IRQ_GATTS_WRITE)
    assert board.keys is not None and not board.keys.bonded


def test_in_the_pairing_window_the_central_bonds_and_the_board_keeps_its_keys(
    tmp_path: Path,
) -> None:
    events, board = _exchange(tmp_path, bond=True, response=True)
    (update,) = [e for e in events if e[0] == IRQ_ENCRYPTION_UPDATE]
    assert update[2] is True and update[4] is True  # encrypted, bonded
    assert board.keys is not None and len(board.keys.bonded) == 1
    assert (tmp_path / "ble_bonds.json").exists()
