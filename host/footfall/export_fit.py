"""FIT export (garmin-fit-sdk's Encoder): a running activity any FIT tool can read.

FIT counts running cadence in strides per minute (one stride = two steps), so this is the
one place where footfall's steps/min are halved: `strides_per_min`. Everything before and
after this boundary is steps/min.

The file: file_id, the developer data id and field description of footfall's developer
field, a timer start event, one record per second with steps (the last step's cadence as
`cadence` + `fractional_cadence`, the second's highest peak impact as the developer field
`peak_impact_mg`), a timer stop event, one lap, one session (`sport` running, so
`avg_cadence` reads as `avg_running_cadence`) and the activity.

A session whose device clock was never set has no date, but FIT needs a time in every
message: its times then count from 0 at the session's start, which FIT's date_time reads
as relative time (below 0x10000000: seconds since power-on), not as a date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from garmin_fit_sdk import Encoder, Profile

from footfall.analysis import SessionData, SessionSummary
from footfall.errors import os_failure

FIT_EPOCH_S = 631065600  # 1989-12-31 00:00 UTC, FIT's time zero
RELATIVE_LIMIT = 0x10000000  # FIT: a date_time below this is seconds since power-on
FRACTION_SCALE = 128  # fractional_cadence is in 1/128 of a stride per minute
MESG = {name: Profile["mesg_num"][name.upper()] for name in (
    "file_id", "developer_data_id", "field_description", "event", "record", "lap", "session",
    "activity")}  # fmt: skip
DEV_INDEX = 0
PEAK_FIELD = 0  # developer field number of peak_impact_mg
APPLICATION_ID = list(b"footfall-impact!")  # 16 bytes naming the developer application
MANUFACTURER_DEVELOPMENT = 255
UINT16 = 0x84


def strides_per_min(cadence_spm: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """FIT's (cadence, fractional_cadence) for a cadence in steps/min: strides = spm / 2,
    split into whole strides/min and the fraction (a multiple of 1/128, here 0 or 0.5)."""
    strides = np.asarray(cadence_spm, dtype=np.float64) / 2
    whole = np.floor(strides)
    return whole.astype(np.int64), np.round((strides - whole) * FRACTION_SCALE) / FRACTION_SCALE


def per_second(data: SessionData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(second since start, cadence spm of its last step, its highest peak mg) for each
    second that holds a step."""
    sec = data.t_ms // 1000
    seconds, first = np.unique(sec, return_index=True)
    last = np.append(first[1:], len(sec)) - 1
    peak = np.maximum.reduceat(data.peak_mg, first) if len(first) else data.peak_mg[:0]
    return seconds, data.cadence_spm[last], peak


def _fields() -> dict[int, Any]:
    dev_id = {"mesg_num": MESG["developer_data_id"], "developer_data_index": DEV_INDEX,
              "application_id": APPLICATION_ID, "application_version": 1}  # fmt: skip
    desc = {
        "mesg_num": MESG["field_description"],
        "developer_data_index": DEV_INDEX,
        "field_definition_number": PEAK_FIELD,
        "fit_base_type_id": UINT16,
        "field_name": "peak_impact_mg",
        "units": "mg",
    }
    return {PEAK_FIELD: {"developer_data_id_mesg": dev_id, "field_description_mesg": desc}}


def _session_fields(data: SessionData, s: SessionSummary, end: int) -> dict[str, Any]:
    avg, avg_frac = strides_per_min(s.cadence_mean_spm)
    top, top_frac = strides_per_min(float(data.cadence_spm.max()))
    return {
        "timestamp": end,
        "start_time": fit_start(data),
        "total_elapsed_time": s.duration_s,
        "total_timer_time": s.duration_s,
        "sport": "running",
        "sub_sport": "generic",
        "avg_cadence": int(avg),
        "avg_fractional_cadence": float(avg_frac),
        "max_cadence": int(top),
        "max_fractional_cadence": float(top_frac),
        "total_cycles": s.steps // 2,  # total_strides when the sport is running
        "event": "lap",
        "event_type": "stop",
    }


def fit_start(data: SessionData) -> int:
    """The session's start as a FIT date_time: seconds since FIT_EPOCH_S; 0 when the device's
    clock was never set, so every time in the file is relative to the session's start (FIT
    reads a date_time below RELATIVE_LIMIT as time since power-on, not a date)."""
    return data.start_s - FIT_EPOCH_S if data.clock_set else 0


def encode(data: SessionData, summary: SessionSummary) -> bytes:
    """The session as FIT bytes."""
    fields = _fields()
    enc = Encoder(field_descriptions=fields)
    start = fit_start(data)
    end = start + int(np.ceil(summary.duration_s))
    enc.write_mesg({"mesg_num": MESG["file_id"], "type": "activity", "time_created": start,
                    "manufacturer": MANUFACTURER_DEVELOPMENT, "product": 0,
                    "serial_number": int(data.device, 16) & 0xFFFFFFFF or 1})  # fmt: skip
    desc = fields[PEAK_FIELD]
    enc.write_mesg(desc["developer_data_id_mesg"])
    enc.write_mesg(desc["field_description_mesg"])
    enc.write_mesg({"mesg_num": MESG["event"], "timestamp": start, "event": "timer",
                    "event_type": "start"})  # fmt: skip
    seconds, cadence_spm, peak_mg = per_second(data)
    whole, frac = strides_per_min(cadence_spm)
    for t, c, f, p in zip(seconds.tolist(), whole.tolist(), frac.tolist(), peak_mg.tolist(),
                          strict=True):  # fmt: skip
        enc.write_mesg({"mesg_num": MESG["record"], "timestamp": start + t, "cadence": c,
                        "fractional_cadence": f, "developer_fields": {PEAK_FIELD: p}})  # fmt: skip
    enc.write_mesg({"mesg_num": MESG["event"], "timestamp": end, "event": "timer",
                    "event_type": "stop_all"})  # fmt: skip
    session = _session_fields(data, summary, end)
    enc.write_mesg({"mesg_num": MESG["lap"], **session})
    enc.write_mesg({"mesg_num": MESG["session"], **session, "first_lap_index": 0, "num_laps": 1})
    enc.write_mesg({"mesg_num": MESG["activity"], "timestamp": end, "num_sessions": 1,
                    "total_timer_time": summary.duration_s, "type": "manual",
                    "event": "activity", "event_type": "stop"})  # fmt: skip
    return bytes(enc.close())


def write(data: SessionData, summary: SessionSummary, path: str | Path) -> Path:
    path = Path(path)
    try:
        path.write_bytes(encode(data, summary))
    except OSError as e:
        raise os_failure(path, e) from None
    return path
