"""`footfall devices [--timeout S] [--json]`: serial ports and footfall sensors, as URLs.

Each line starts with the URL that `footfall sync --device` takes. With --json, one
object: serial and ble (lists of {url, ...}) and ble_error (why BLE could not scan, or
null). With no Bluetooth
adapter (or no BlueZ) the BLE part is one line saying so; the serial list still shows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass

from bleak import BleakScanner
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError
from footfall_core import ble_defs
from serial.tools import list_ports

from footfall.cli.args import positive_seconds
from footfall.errors import TransportError

# USB-serial chips on ESP32 boards (Espressif native USB, CP210x, CH34x/CH9102, FTDI)
ESP32_USB_VIDS = {0x303A: "Espressif", 0x10C4: "CP210x", 0x1A86: "CH34x", 0x0403: "FTDI"}


@dataclass(frozen=True)
class Sensor:
    name: str
    address: str
    rssi: int | None

    @property
    def url(self) -> str:
        return f"ble:{self.name}"


async def scan_sensors(
    timeout_s: float = 5.0, scanner: type[BaseBleakScanner] | None = None
) -> list[Sensor]:
    """footfall-XXXX advertisers in range; TransportError when there is no BLE adapter."""
    from footfall.transport.ble import default_backends

    scanner = default_backends(scanner)[0]
    try:
        if scanner is None:
            found = await BleakScanner.discover(timeout_s, return_adv=True)
        else:
            found = await BleakScanner.discover(timeout_s, return_adv=True, backend=scanner)
    except (BleakError, OSError) as e:
        reason = str(e) or type(e).__name__
        raise TransportError(f"no Bluetooth adapter or BlueZ available ({reason})") from e
    sensors = [
        Sensor(ad.local_name or d.name or "", d.address, ad.rssi)
        for d, ad in found.values()
        if (ad.local_name or d.name or "").startswith(ble_defs.NAME_PREFIX)
    ]
    return sorted(sensors, key=lambda s: s.name)


def serial_ports() -> list[dict[str, object]]:
    """Each serial port: url, description, and chip (the USB-serial chip of an ESP32 board,
    or None)."""
    ports = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        chip = ESP32_USB_VIDS.get(port.vid) if port.vid is not None else None
        ports.append({"url": f"serial:{port.device}", "description": port.description,
                      "chip": chip})  # fmt: skip
    return ports


def serial_lines() -> list[str]:
    lines = []
    for port in serial_ports():
        hint = f"  ({port['chip']} USB serial: an ESP32 board?)" if port["chip"] else ""
        lines.append(f"{port['url']}  {port['description']}{hint}")
    return lines or ["no serial ports"]


async def found(
    timeout_s: float, scanner: type[BaseBleakScanner] | None = None
) -> dict[str, object]:
    """The --json object: serial (serial_ports()), ble (url, name, address, rssi of each
    sensor) and ble_error (why BLE could not scan, or None)."""
    try:
        sensors, error = await scan_sensors(timeout_s, scanner), None
    except TransportError as e:
        sensors, error = [], str(e)
    ble = [{"url": s.url, "name": s.name, "address": s.address, "rssi": s.rssi} for s in sensors]
    return {"serial": serial_ports(), "ble": ble, "ble_error": error}


async def run(timeout_s: float, scanner: type[BaseBleakScanner] | None = None) -> list[str]:
    lines = serial_lines()
    try:
        sensors = await scan_sensors(timeout_s, scanner)
    except TransportError as e:
        return [*lines, f"BLE: {e}; only serial ports listed"]
    if not sensors:
        return [*lines, f"BLE: no footfall sensors found in {timeout_s:g} s"]
    rssi = {s.name: "" if s.rssi is None else f"  RSSI {s.rssi} dBm" for s in sensors}
    return [*lines, *(f"{s.url}  {s.address}{rssi[s.name]}" for s in sensors)]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="list serial ports and footfall sensors in BLE range",
        description="List serial ports and nearby footfall sensors, each as a --device URL.",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=5.0,
        metavar="S",
        help="BLE scan time (default 5)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(asyncio.run(found(args.timeout)), separators=(",", ":")))
        return 0
    for line in asyncio.run(run(args.timeout)):
        print(line)
    return 0
