"""Session files as the device writes them, for store, sync and analysis tests."""

from __future__ import annotations

from dataclasses import replace

from footfall.records import Header
from footfall_core import records as core

DEVICE_ID = bytes.fromhex("246f281a2b3c")  # footfall-2B3C, the emulated peripheral's id
HEADER = Header(
    device_id=DEVICE_ID, fw=(0, 1, 0), start_s=1_800_000_000, rate_hz=100, placement="waist",
    session_id=1, target_spm=170, tolerance_spm=3, below_s=10, min_gap_s=10, rearm_s=5,
    auto_target=False, baseline_s=120,
)  # fmt: skip


def session_file(
    session_id: int = 1,
    start_s: int = 1_800_000_000,
    steps: int = 200,
    interval_ms: int = 350,
    device_id: bytes = DEVICE_ID,
    **header_fields: object,
) -> bytes:
    """Header (header_fields override its fields), `steps` steps (a cue halfway), a summary
    and the end record."""
    header = replace(
        HEADER, session_id=session_id, start_s=start_s, device_id=device_id, **header_fields
    )
    out = bytearray(bytes(header))
    buf = bytearray(4096)
    enc = core.SessionEncoder(buf)
    t = 0
    for i in range(steps):
        t += interval_ms
        while not enc.step(interval_ms, 1500 + 10 * (i % 50), 171, 2):
            out += buf[: enc.pos]
            enc.clear()
        if i == steps // 2:
            enc.event(t, core.EV_CUE, 160)
    assert enc.summary(t, t, 1, 0) and enc.end(t, core.END_STOPPED)
    return bytes(out + buf[: enc.pos])
