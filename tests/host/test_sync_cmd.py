"""The analyst's commands: sync, sessions, devices, config, live (CLI and their async cores)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from bleak import BleakScanner
from footfall.cli import config as config_cmd
from footfall.cli import devices as devices_cmd
from footfall.cli import live as live_cmd
from footfall.cli import main
from footfall.errors import DeviceError, TransportError, UsageError
from footfall.sim.ble_peripheral import FootfallPeripheral, MemoryStore
from footfall.store import Store
from footfall.transport.ble_bumble import VirtualRadio
from footfall_core import protocol as P

from tests.host.session_files import session_file
from tests.host.test_serial_transport import PtyDevice
from tests.host.test_sync import device_files

ONE = session_file(1, start_s=1_800_000_000, steps=300)
TWO = session_file(2, start_s=1_800_010_000, steps=120)


def on_radio(scenario: Any, files: MemoryStore | None = None, **peripheral_args: Any) -> Any:
    async def go() -> Any:
        radio = VirtualRadio()
        peripheral = FootfallPeripheral(radio, store=files, **peripheral_args)
        await peripheral.start()
        scanner, client = radio.bleak_backends()
        try:
            options = {"scanner": scanner, "client": client, "timeout_s": 5}
            return await asyncio.wait_for(scenario(peripheral, options), 20)
        finally:
            await peripheral.stop()

    return asyncio.run(go())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "copied"
    d.mkdir()
    (d / "00001.ffs").write_bytes(ONE)
    (d / "00002.ffs").write_bytes(TWO)
    return d


@pytest.fixture
def serial_device():
    dev = PtyDevice()
    dev.store.files = device_files(ONE, TWO).files
    yield dev
    dev.close()


def test_sync_from_a_folder_prints_a_line_per_session_and_a_total(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    assert main(["sync", "--device", f"file:{folder}", "--store", db, "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("session 00001.ffs: imported as 246f281a2b3c-1-1800000000")
    assert lines[-1].endswith("2 sessions: 2 imported, 0 already stored, 0 failed; "
                              "0 bytes fetched, 0 deleted from the device")  # fmt: skip


@pytest.mark.e2e
def test_sync_over_serial_stores_the_sessions_and_deletes_after(
    serial_device: PtyDevice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    argv = ["sync", "--device", f"serial:{serial_device.path}", "--store", db, "--quiet"]
    assert main([*argv, "--delete-after"]) == 0
    out = capsys.readouterr().out
    assert "2 imported" in out and f"{len(ONE) + len(TWO)} bytes fetched, 2 deleted" in out
    assert serial_device.store.sessions() == []


def test_a_sync_with_a_failed_session_exits_1_and_keeps_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "00003.ffs").write_bytes(b"FFS1 torn")
    argv = ["sync", "--device", f"file:{folder}", "--store", str(tmp_path / "s.db")]
    assert main([*argv, "--quiet", "--delete-after"]) == 1
    assert "session 00003.ffs: FAILED: " in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["00003.ffs"]


def test_a_bad_device_url_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--device", "usb:x", "--store", str(tmp_path / "s.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad device URL 'usb:x'" in err


def test_sessions_json_has_one_object_per_session_with_the_contract_fields(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    main(["sync", "--device", f"file:{folder}", "--store", db, "--quiet"])
    capsys.readouterr()
    assert main(["sessions", "--store", db, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    picked = [{k: r[k] for k in ("id", "device", "start", "duration_s", "steps")} for r in rows]
    assert picked == [
        {"id": "246f281a2b3c-1-1800000000", "device": "246f281a2b3c",
         "start": "2027-01-15T08:00:00+00:00", "duration_s": 105.0, "steps": 300},
        {"id": "246f281a2b3c-2-1800010000", "device": "246f281a2b3c",
         "start": "2027-01-15T10:46:40+00:00", "duration_s": 42.0, "steps": 120},
    ]  # fmt: skip


def test_sessions_table_has_a_header_and_a_row_per_session(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "s.db")
    main(["sync", "--device", f"file:{folder}", "--store", db, "--quiet"])
    capsys.readouterr()
    assert main(["sessions", "--store", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("id") and "footfall-2B3C" in lines[1]


def test_sessions_on_an_empty_store_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    Store(db).close()  # a store with no sessions (a sync of nothing creates none)
    assert main(["sessions", "--store", str(db)]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "no sessions in" in out.err


def test_devices_without_a_ble_adapter_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def no_adapter(*_a: Any, **_k: Any) -> None:
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(BleakScanner, "discover", no_adapter)
    assert main(["devices", "--timeout", "0.1"]) == 0
    ble = [x for x in capsys.readouterr().out.splitlines() if x.startswith("BLE")]
    assert ble == [
        "BLE: no Bluetooth adapter or BlueZ available ([Errno 2] No such file or directory); "
        "only serial ports listed"
    ]


@pytest.mark.e2e
def test_devices_lists_a_footfall_sensor_as_a_ble_url() -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> list[str]:
        return await devices_cmd.run(0.5, options["scanner"])

    lines = on_radio(scenario)
    assert "ble:footfall-2B3C  F0:00:00:00:00:01" in [x.split("  RSSI")[0] for x in lines]


@pytest.mark.e2e
def test_config_reads_the_device_settings() -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> dict:
        return await config_cmd.run("ble:footfall-2B3C", {}, **options)

    assert on_radio(scenario) == {"target_spm": 170, "tolerance_spm": 3, "auto_target": True}


@pytest.mark.e2e
def test_config_changes_only_the_given_fields_and_prints_the_new_config() -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> tuple:
        new = await config_cmd.run("ble:footfall-2B3C", {"target_spm": 176}, **options)
        return new, peripheral.config.get()

    new, on_device = on_radio(scenario)
    assert new == on_device == {"target_spm": 176, "tolerance_spm": 3, "auto_target": True}


@pytest.mark.e2e
def test_config_refused_by_the_device_carries_its_reason() -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> DeviceError:
        with pytest.raises(DeviceError) as refused:
            await config_cmd.run("ble:footfall-2B3C", {"target_spm": "fast"}, **options)
        return refused.value

    refused = on_radio(scenario)
    assert (refused.code, refused.reason) == (P.ERR_BAD_CONFIG, "config: target_spm must be int")


@pytest.mark.e2e
def test_config_over_serial_prints_the_refusal_and_exits_2(
    serial_device: PtyDevice, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["config", "--device", f"serial:{serial_device.path}", "--set", "colour=blue"]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err == "footfall: the device refused: config: unknown field 'colour'\n"
    )


@pytest.mark.e2e
def test_config_over_serial_sets_and_prints(
    serial_device: PtyDevice, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--device", f"serial:{serial_device.path}", "--target", "180"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "auto_target    false",  # --target fixes the target: auto-target off
        "target_spm     180",
        "tolerance_spm  3",
    ]


@pytest.mark.e2e
def test_live_prints_one_line_per_rsc_reading() -> None:
    async def scenario(peripheral: FootfallPeripheral, options: dict) -> tuple:
        peripheral.set_cadence(174, running=True)
        lines: list[str] = []
        n = await live_cmd.run("ble:footfall-2B3C", 10, lines.append, count=3, **options)
        return n, lines, peripheral.live

    n, lines, live_after = on_radio(scenario, rsc_interval_s=0.02)
    assert n == 3 and all(x.endswith("174 steps/min  running") for x in lines)
    assert live_after is False  # live mode switched off again at the end


def test_live_over_serial_says_it_needs_ble() -> None:
    with pytest.raises(UsageError, match="live cadence needs BLE"):
        asyncio.run(live_cmd.run("serial:/dev/ttyACM0", 1))


@pytest.mark.e2e
def test_a_sync_with_nothing_to_copy_still_prints_its_total(
    serial_device: PtyDevice, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    serial_device.store.files = {}  # a device with no sessions
    argv = ["sync", "--device", f"serial:{serial_device.path}", "--store", str(tmp_path / "s.db")]
    assert main([*argv, "--quiet"]) == 0
    total = capsys.readouterr().out.split(": ", 1)[1]
    assert total == (
        "0 sessions: 0 imported, 0 already stored, 0 failed; 0 bytes fetched, "
        "0 deleted from the device\n"
    )


def test_config_over_ble_passes_the_timeout_to_the_scan_and_reports_a_missing_adapter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict = {}

    async def no_adapter(url: str, **options: object) -> None:
        seen.update(options, url=url)
        raise TransportError(f"{url}: no Bluetooth adapter or BlueZ available")

    monkeypatch.setattr(config_cmd, "open_transport", no_adapter)
    assert main(["config", "--device", "ble:footfall-2B3C", "--timeout", "0.5"]) == 1
    assert seen == {"url": "ble:footfall-2B3C", "timeout_s": 0.5}
    assert "no Bluetooth adapter" in capsys.readouterr().err
