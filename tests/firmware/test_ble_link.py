"""footfall_fw.ble_link in the MicroPython unix port, against a test double of aioble.

The double (tests/firmware/fake_aioble) records what the firmware registers, advertises and
notifies, and plays the central. Frames the device notified are reassembled and parsed here
with the core's FrameParser, as the host does.
"""

import json
from pathlib import Path

import pytest
from footfall_core import ble_defs as B
from footfall_core import protocol as P
from footfall_core.frames import FrameParser, pack_frame

from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy

pytestmark = pytest.mark.e2e

FAKE = str(Path(__file__).parent / "fake_aioble")
DEVICE_ID = bytes.fromhex("246f281a2b3c")
SESSION = bytes(range(256)) * 9  # 2304 bytes: several DATA windows at either MTU


def run(body: str, *, bond: bool = True) -> dict:
    """Run `async def main()` from body after the prelude; return what it passed to out()."""
    script = "from ble_rig import *\n" + f"aioble.state['bond'] = {bond}\n" + body
    script += "\nasyncio.run(main())\n"
    proc = run_mpy(script, extra_paths=(FAKE, str(MPY_SCRIPTS)), timeout_s=60)
    lines = [ln for ln in proc.stdout.decode().splitlines() if ln.startswith("RESULT ")]
    assert lines, proc.stdout.decode() + proc.stderr.decode()
    return json.loads(lines[-1][len("RESULT ") :])


def frames_of(chunks: list[str]) -> list[tuple[int, int, bytes]]:
    """Reassemble notified chunks (hex) into (type, seq, payload) frames; no errors allowed."""
    got: list[tuple[int, int, bytes]] = []
    errors: list[int] = []
    parser = FrameParser(
        lambda t, s, b, o, n: got.append((t, s, bytes(b[o : o + n]))), errors.append
    )
    for c in chunks:
        parser.feed(bytes.fromhex(c))
    assert not errors
    return got


def hello_exchange(mtu: int | None) -> dict:
    hello = pack_frame(P.HELLO, 7).hex()
    return run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect({mtu})
    aioble.write(conn, rx(), bytes.fromhex({hello!r}))
    await drain(conn)
    out(chunks=[v.hex() for c, v in tx().notified], max_payload=link.server.max_payload)
"""
    )


def test_advertises_its_name_and_rsc_with_the_sync_uuid_in_the_scan_response() -> None:
    got = run(
        """
async def main():
    await link.start()
    await settle()
    adv, resp = aioble.state["advertising"]
    out(adv=adv.hex(), resp=resp.hex())
"""
    )
    adv, resp = bytes.fromhex(got["adv"]), bytes.fromhex(got["resp"])
    name = B.device_name(DEVICE_ID).encode()
    assert name == b"footfall-2B3C"
    assert bytes([len(name) + 1, 0x09]) + name in adv
    assert bytes([3, 0x03, 0x14, 0x18]) in adv
    assert len(adv) <= 31 and len(resp) <= 31
    sync_le = bytes.fromhex(B.SYNC_SERVICE_UUID.replace("-", ""))[::-1]
    assert resp == bytes([17, 0x07]) + sync_le


REGISTERED = """
async def main():
    await link.start()
    out(services=[
        [bytes(s).hex(), [[bytes(c.uuid).hex(), c.flags, c.value.hex(), c.max_len] for c in cs]]
        for s, cs in aioble.registered
    ], secure=link.secure)
"""


def _services(bond: bool) -> dict[str, dict[str, tuple[int, bytes, int]]]:
    got = run(REGISTERED, bond=bond)
    assert got["secure"] is bond
    return {
        s: {c: (flags, bytes.fromhex(v), max_len) for c, flags, v, max_len in chars}
        for s, chars in got["services"]
    }


def _le(uuid: str | int) -> str:
    if isinstance(uuid, int):
        return uuid.to_bytes(2, "little").hex()
    return bytes.fromhex(uuid.replace("-", ""))[::-1].hex()


def test_services_are_registered_with_their_uuids_flags_and_values() -> None:
    s = _services(bond=True)
    sync = s[_le(B.SYNC_SERVICE_UUID)]
    assert sync[_le(B.SYNC_RX_UUID)][0] == 0x0008 | 0x0004 | 0x1000  # write, no-rsp, encrypted
    assert sync[_le(B.SYNC_RX_UUID)][2] == 244  # holds a whole write at MTU 247
    assert sync[_le(B.SYNC_TX_UUID)][0] == 0x0010 | 0x0200  # notify, encrypted
    rsc = s[_le(B.RSC_SERVICE)]
    assert rsc[_le(B.RSC_MEASUREMENT)][0] == 0x0010
    assert rsc[_le(B.RSC_FEATURE)][:2] == (0x0002, b"\x04\x00")
    assert rsc[_le(B.SENSOR_LOCATION)][:2] == (0x0002, bytes([B.LOCATION_HIP]))
    dis = s[_le(B.DEVICE_INFORMATION_SERVICE)]
    assert dis[_le(B.MANUFACTURER_NAME)][1] == b"footfall"
    assert dis[_le(B.MODEL_NUMBER)][1] == b"test-board"
    assert dis[_le(B.SERIAL_NUMBER)][1] == b"246F281A2B3C"
    assert dis[_le(B.FIRMWARE_REVISION)][1] == b"0.1.0"
    assert s[_le(B.BATTERY_SERVICE)][_le(B.BATTERY_LEVEL)][:2] == (0x0012, bytes([87]))


def test_a_port_that_cannot_bond_serves_no_sync_only_rsc_dis_and_battery() -> None:
    got = run(REGISTERED + "\n", bond=False)
    services = [s for s, _ in got["services"]]
    assert _le(B.SYNC_SERVICE_UUID) not in services
    assert services == [_le(B.RSC_SERVICE), _le(B.DEVICE_INFORMATION_SERVICE)] + [
        _le(B.BATTERY_SERVICE)
    ]


def test_the_gap_name_is_the_device_name_not_the_ports_default() -> None:
    got = run(
        """
async def main():
    await link.start()
    out(name=aioble.state["config"].get("gap_name"))
"""
    )
    assert got["name"] == B.device_name(DEVICE_ID)


def test_an_encrypted_central_that_is_not_bonded_is_hung_up_on_unanswered() -> None:
    hello = pack_frame(P.HELLO, 7).hex()
    got = run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect(247, bonded=False)
    aioble.write(conn, rx(), bytes.fromhex({hello!r}))
    await drain(conn)
    out(notified=len(tx().notified), connected=conn.is_connected(), refused=link.refused)
"""
    )
    assert got == {"notified": 0, "connected": False, "refused": 1}


def test_bonding_is_allowed_only_while_the_pairing_window_is_open() -> None:
    got = run(
        """
async def main():
    link.rsc_ms = 10
    await link.start()
    before = aioble.state["config"]["bond"]
    link.open_pairing(50)
    during = aioble.state["config"]["bond"]
    await asyncio.sleep_ms(100)
    out(before=before, during=during, after=aioble.state["config"]["bond"])
"""
    )
    assert got == {"before": False, "during": True, "after": False}


def test_a_window_opened_while_the_radio_is_off_applies_when_it_comes_on() -> None:
    got = run(
        """
async def main():
    link.open_pairing()
    await link.start()
    out(bond=aioble.state["config"]["bond"])
"""
    )
    assert got == {"bond": True}


def test_hello_is_answered_in_notifications_of_mtu_minus_3_at_mtu_247() -> None:
    got = hello_exchange(247)
    assert all(len(bytes.fromhex(c)) <= 244 for c in got["chunks"])
    ((ftype, seq, payload),) = frames_of(got["chunks"])
    assert (ftype, seq) == (P.HELLO | P.REPLY, 7)
    assert P.unpack_hello(payload, 0, len(payload))[1:] == (
        DEVICE_ID,
        (0, 1, 0),
        P.CAP_BLE | P.CAP_RSC | P.CAP_LIVE,
        B.sync_payload_size(247),
    )


def test_without_an_mtu_exchange_replies_fit_the_default_mtu_23() -> None:
    got = hello_exchange(None)
    assert got["max_payload"] == B.sync_payload_size(23)
    assert all(len(bytes.fromhex(c)) <= 20 for c in got["chunks"])
    assert len(got["chunks"]) > 1
    assert [f[:2] for f in frames_of(got["chunks"])] == [(P.HELLO | P.REPLY, 7)]


def test_garbage_gets_an_error_frame_and_the_link_keeps_working() -> None:
    bad = bytearray(pack_frame(P.HELLO, 3))
    bad[-1] ^= 0xFF  # corrupt CRC
    hello = pack_frame(P.HELLO, 4)
    got = run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect(247)
    aioble.write(conn, rx(), b"\\x00\\x13garbage" + bytes.fromhex({bytes(bad).hex()!r}))
    await drain(conn)
    aioble.write(conn, rx(), bytes.fromhex({hello.hex()!r}))
    await drain(conn)
    out(chunks=[v.hex() for c, v in tx().notified], connected=conn.is_connected())
"""
    )
    frames = frames_of(got["chunks"])
    assert frames[0][0] == P.ERROR and frames[0][2][0] == P.ERR_BAD_CRC
    assert frames[-1][:2] == (P.HELLO | P.REPLY, 4)
    assert got["connected"]


def _get_session(mtu: int, nomem: int) -> dict:
    get = pack_frame(P.GET, 1, P.request_get(1, 0, 8, 0)).hex()
    return run(
        f"""
from footfall_core.frames import FrameParser, pack_frame
async def main():
    await link.start()
    conn = await aioble.connect({mtu})
    aioble.state["nomem"] = {nomem}
    acked = [0]
    def on_frame(t, s, b, o, n):
        if t == P.DATA:
            off = b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24
            acked[0] = off + n - 4
    parser = FrameParser(on_frame)
    aioble.write(conn, rx(), bytes.fromhex({get!r}))
    seen = 0
    for _ in range(200):
        await drain(conn)
        for c, v in tx().notified[seen:]:
            parser.feed(v)
        seen = len(tx().notified)
        ack = pack_frame(P.ACK, 2, P.request_u32s(1, acked[0]))
        if acked[0] >= len(SESSION):
            break
        aioble.write(conn, rx(), ack)
    out(chunks=[v.hex() for c, v in tx().notified], dropped=link.tx_dropped)
"""
    )


def _data_of(got: dict) -> bytes:
    data = bytearray()
    for ftype, _seq, payload in frames_of(got["chunks"]):
        assert ftype == P.DATA
        offset = int.from_bytes(payload[:4], "little")
        data[offset : offset + len(payload) - 4] = payload[4:]
    return bytes(data)


def test_a_session_streams_intact_in_mtu_sized_notifications() -> None:
    got = _get_session(247, nomem=0)
    assert _data_of(got) == SESSION
    assert all(len(bytes.fromhex(c)) <= 244 for c in got["chunks"])
    assert got["dropped"] == 0


def test_notifications_refused_for_lack_of_buffers_are_retried_not_lost() -> None:
    got = _get_session(23, nomem=5)
    assert _data_of(got) == SESSION
    assert all(len(bytes.fromhex(c)) <= 20 for c in got["chunks"])


def test_rsc_measurement_carries_the_current_cadence_once_per_period() -> None:
    got = run(
        """
import time
async def main():
    link.rsc_ms = 20
    await link.start()
    m = aioble.find(bluetooth.UUID(B.RSC_MEASUREMENT))
    t0 = time.ticks_ms()
    stamps = []
    for spm in (150, 172, 181, 0):
        tracker.spm = spm
        tracker.running = spm > 160
        n = len(m.updates)
        while len(m.updates) == n:
            await asyncio.sleep_ms(1)
        stamps.append(time.ticks_diff(time.ticks_ms(), t0))
    out(values=[v.hex() for v in m.updates], stamps=stamps)
"""
    )
    values = [bytes.fromhex(v) for v in got["values"]]
    assert [B.unpack_rsc_measurement(v)[:2] for v in values] == [
        (150, False),
        (172, True),
        (181, True),
        (0, False),
    ]
    # Never faster than the period: the n-th notification comes n periods after start.
    assert all(t >= 20 * (i + 1) - 1 for i, t in enumerate(got["stamps"]))


def test_stop_ends_advertising_and_turns_the_radio_off() -> None:
    got = run(
        """
async def main():
    link.rsc_ms = 5
    await link.start()
    await settle()
    await link.stop()
    m = aioble.find(bluetooth.UUID(B.RSC_MEASUREMENT))
    n = len(m.updates)
    await asyncio.sleep_ms(30)
    out(events=[e[0] for e in aioble.events], advertising=aioble.state["advertising"],
        active=aioble.state["active"], updates_after=len(m.updates) - n, running=link.running)
"""
    )
    assert got["events"] == ["advertise", "advertise_stopped", "stop"]
    assert got["advertising"] is None and not got["active"] and not got["running"]
    assert got["updates_after"] == 0


def test_stop_during_a_connection_drops_it_and_start_advertises_again() -> None:
    hello = pack_frame(P.HELLO, 9).hex()
    got = run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect(247)
    await link.stop()
    await link.start()
    conn2 = await aioble.connect(247)
    aioble.write(conn2, rx(), bytes.fromhex({hello!r}))
    await drain(conn2)
    out(first=conn.is_connected(), chunks=[v.hex() for c, v in tx().notified])
"""
    )
    assert got["first"] is False
    assert [f[:2] for f in frames_of(got["chunks"])] == [(P.HELLO | P.REPLY, 9)]


def test_after_the_central_disconnects_the_device_advertises_again() -> None:
    hello = pack_frame(P.HELLO, 5).hex()
    got = run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect(247)
    conn.drop()
    conn2 = await aioble.connect(247)
    aioble.write(conn2, rx(), bytes.fromhex({hello!r}))
    await drain(conn2)
    out(chunks=[v.hex() for c, v in tx().notified], connections=link.connections)
"""
    )
    assert got["connections"] == 2
    assert [f[:2] for f in frames_of(got["chunks"])] == [(P.HELLO | P.REPLY, 5)]


def test_notifications_are_paced_in_bursts() -> None:
    get = pack_frame(P.GET, 1, P.request_get(1, 0, 8, 0)).hex()
    got = run(
        f"""
async def main():
    await link.start()
    conn = await aioble.connect(247)
    aioble.write(conn, rx(), bytes.fromhex({get!r}))
    await drain(conn)
    out(stamps=tx().stamps, burst=ble_link.BURST, pace=ble_link.PACE_MS)
"""
    )
    stamps, burst, pace = got["stamps"], got["burst"], got["pace"]
    assert len(stamps) >= 2 * burst
    for i in range(burst, len(stamps), burst):
        assert stamps[i] - stamps[i - burst] >= pace


def test_a_window_larger_than_the_ring_drops_frames_and_the_link_survives() -> None:
    get = pack_frame(P.GET, 1, P.request_get(1, 0, 255, 0)).hex()
    hello = pack_frame(P.HELLO, 6).hex()
    got = run(
        f"""
import ble_rig
ble_rig.SESSION = bytes(9000)  # 39 DATA frames at MTU 247: more than the ring holds
async def main():
    await link.start()
    conn = await aioble.connect(247)
    aioble.write(conn, rx(), bytes.fromhex({get!r}))
    await drain(conn)
    n = len(tx().notified)
    aioble.write(conn, rx(), bytes.fromhex({hello!r}))
    await drain(conn)
    out(dropped=link.tx_dropped, last=[v.hex() for c, v in tx().notified[n:]])
"""
    )
    assert got["dropped"] > 0
    assert [f[:2] for f in frames_of(got["last"])] == [(P.HELLO | P.REPLY, 6)]


APP_RIG = "from ble_app_rig import *\n"


def test_app_turns_ble_off_during_a_run_unless_live_mode_is_on() -> None:
    proc = run_mpy(
        APP_RIG
        + """
app = Fake()
app.ble = Ble()
app.sessions = Sessions()
app.cfg = {"live": False}
async def main():
    for active, live in ((False, False), (True, False), (True, True), (False, True)):
        app.sessions.active = active
        app.cfg["live"] = live
        await App._ble_power(app)
asyncio.run(main())
print(json.dumps(app.ble.calls))
""",
        extra_paths=(FAKE, str(MPY_SCRIPTS)),
    )
    assert json.loads(proc.stdout) == ["start", "stop", "start", "start"]


def test_app_builds_the_ble_link_only_where_bluetooth_exists() -> None:
    script = (
        APP_RIG
        + f"""
from footfall_core.tracker import Tracker
app = Fake()
app.hw = Fake()
app.hw.device_id = {DEVICE_ID!r}
app.hw.name = "test-board"
app.cfg = {{"placement": "shoe", "live": False}}
app.store = None
app.tracker = Tracker(100)
link = App._ble_link(app)
print(json.dumps(None if link is None else [link.name, link.placement, link.model]))
"""
    )
    with_ble = run_mpy(script, extra_paths=(FAKE, str(MPY_SCRIPTS)))
    assert json.loads(with_ble.stdout) == ["footfall-2B3C", "shoe", "test-board"]
    without = run_mpy(
        script, extra_paths=(str(MPY_SCRIPTS),)
    )  # the plain unix port: no `bluetooth`, no aioble
    assert json.loads(without.stdout) is None


def test_a_stack_that_will_not_start_is_counted_and_retried_later() -> None:
    got = run(
        """
import time
async def main():
    aioble.state["register_error"] = 1
    await link.start()
    failed = [link.running, link.failures, aioble.state["active"]]
    await link.start()  # within retry_ms: not tried again
    again = link.running
    link._retry_at = time.ticks_ms()  # as if retry_ms had passed
    await link.start()
    await settle()
    adv = aioble.state["advertising"] is not None
    out(failed=failed, again=again, later=link.running, adv=adv)
"""
    )
    assert got["failed"] == [False, 1, False]
    assert got["again"] is False
    assert got["later"] and got["adv"]


# A stand-in sampler counts beside the link; the loop's exception handler (the app's resets
# the board) records anything that reaches it.
SURVIVES = """
import time
handled = []
counted = [0]
async def sampler():
    while True:
        counted[0] += 1
        await asyncio.sleep_ms(1)
def on_error(loop, context):
    handled.append(repr(context.get("exception")))
"""


def test_advertising_that_fails_is_counted_and_retried_and_never_reaches_the_loop() -> None:
    hello = pack_frame(P.HELLO, 8).hex()
    got = run(
        SURVIVES
        + f"""
async def main():
    asyncio.get_event_loop().set_exception_handler(on_error)
    asyncio.create_task(sampler())
    link.adv_retry_ms = 2
    aioble.state["advertise_error"] = 3
    await link.start()
    for _ in range(500):
        if aioble.state["advertising"] is not None:
            break
        await asyncio.sleep_ms(1)
    before = counted[0]
    conn = await aioble.connect(247)
    aioble.write(conn, rx(), bytes.fromhex({hello!r}))
    await drain(conn)
    await asyncio.sleep_ms(5)
    out(handled=handled, adv_errors=link.adv_errors, running=link.running,
        events=[e[0] for e in aioble.events], counting=counted[0] > before > 0,
        chunks=[v.hex() for c, v in tx().notified])
"""
    )
    assert got["handled"] == []
    assert got["adv_errors"] == 3 and got["running"]
    assert got["events"][:4] == ["advertise_failed"] * 3 + ["advertise"]
    assert got["counting"]
    assert [f[:2] for f in frames_of(got["chunks"])] == [(P.HELLO | P.REPLY, 8)]


def test_rsc_updates_the_stack_refuses_are_skipped_and_the_loop_carries_on() -> None:
    got = run(
        SURVIVES
        + """
async def main():
    asyncio.get_event_loop().set_exception_handler(on_error)
    asyncio.create_task(sampler())
    link.rsc_ms = 2
    await link.start()
    m = aioble.find(bluetooth.UUID(B.RSC_MEASUREMENT))
    aioble.state["update_error"] = 4
    tracker.spm = 177
    for _ in range(500):
        if len(m.updates) >= 3:
            break
        await asyncio.sleep_ms(1)
    before = counted[0]
    await asyncio.sleep_ms(5)
    await link.stop()
    out(handled=handled, rsc_errors=link.rsc_errors, updates=len(m.updates),
        counting=counted[0] > before > 0)
"""
    )
    assert got["handled"] == []
    assert got["rsc_errors"] == 4
    assert got["updates"] >= 3
    assert got["counting"]
