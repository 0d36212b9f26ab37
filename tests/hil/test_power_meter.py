"""A board's current during a run, logged from a USB power meter (opt-in).

Set FOOTFALL_POWER_METER to the serial port of a meter that prints one current reading in
mA per line (an INA219 logger, a meter's PC link with a line-per-reading mode), put it
between a USB supply and a fully charged board, and start a run (hardware/README.md,
Confirming on a board). The readings go to build/power-log.csv (`t_s,mA`);
FOOTFALL_POWER_SECONDS sets how long (default 600).
"""

import os
import time
from pathlib import Path

import pytest

METER = os.environ.get("FOOTFALL_POWER_METER")
SECONDS = float(os.environ.get("FOOTFALL_POWER_SECONDS", "600"))
RUNNING_WORST_MA = 14.0  # hardware/README.md, Power: the model's worst running figure
USB_MARGIN = 1.2  # on USB the board runs from 5 V: the regulators' efficiency differs

pytestmark = pytest.mark.skipif(
    not METER, reason="no meter: set FOOTFALL_POWER_METER to its serial port"
)


def read_meter(port: str, seconds: float) -> list[tuple[float, float]]:
    import serial

    readings = []
    with serial.Serial(port, 115200, timeout=1) as meter:
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            line = meter.readline().strip()
            try:
                readings.append((time.monotonic() - t0, float(line)))
            except ValueError:
                continue  # a partial or non-numeric line
    return readings


def test_a_run_draws_no_more_than_the_model_says() -> None:
    readings = read_meter(str(METER), SECONDS)
    assert readings, "the meter sent no readings"
    log = Path("build/power-log.csv")
    log.parent.mkdir(exist_ok=True)
    log.write_text("t_s,mA\n" + "".join(f"{t:.2f},{ma:.3f}\n" for t, ma in readings))
    mean_ma = sum(ma for _, ma in readings) / len(readings)
    print(f"mean {mean_ma:.2f} mA over {len(readings)} readings, log in {log}")
    assert mean_ma <= RUNNING_WORST_MA * USB_MARGIN
