"""The viper-compiled front end and its plain twin agree sample for sample (unix port)."""

from pathlib import Path

import pytest

from tests.unixport import run_mpy

# Twin runs over whole recordings: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


DATA = Path(__file__).resolve().parents[1] / "data"


def _feed_script(csv_path: Path, placement: str, rate_hz: int) -> str:
    # Read the fixture at its own rate as if it were rate_hz: both twins see the same input.
    return f"""
from array import array
from footfall_core import front as F
from footfall_core import steps as S
from footfall_core.front_viper import front as viper_front
with open({str(csv_path)!r}) as f:
    n = sum(1 for _ in f) - 1
buf = array("h", bytes(6 * n))
with open({str(csv_path)!r}) as f:
    f.readline()
    for i in range(n):
        t, x, y, z = f.readline().split(",")
        buf[3 * i] = int(x)
        buf[3 * i + 1] = int(y)
        buf[3 * i + 2] = int(z)
events = ([], [])
dets = []
for twin, out in ((F.front, events[0]), (viper_front, events[1])):
    S._front = twin
    d = S.StepDetector({rate_hz}, {placement!r}, lambda i, p, out=out: out.append((i, p)))
    states = []
    for start in range(0, n, 37):
        end = start + 37 if start + 37 < n else n
        d.push_block(buf, start, end)
        states.append(tuple(d.st))
    dets.append(states)
print("steps", len(events[0]), len(events[1]))
print("same_events", events[0] == events[1])
print("same_states", dets[0] == dets[1])
"""


def _check(placement: str, rate_hz: int, name: str) -> None:
    out = run_mpy(_feed_script(DATA / name, placement, rate_hz)).stdout.decode().split("\n")
    lines = dict(line.split(" ", 1) for line in out if " " in line)
    n_plain, n_viper = (int(v) for v in lines["steps"].split())
    assert n_plain > 100  # the recording is real walking: the comparison is not vacuous
    assert n_plain == n_viper
    assert lines["same_events"] == "True"
    assert lines["same_states"] == "True"


def test_twins_agree_on_a_real_pocket_walk_at_the_waist():
    _check("waist", 100, "oxford__Samsung_Dario_Hard_BackPocket_1.csv")


def test_twins_agree_at_the_shoe_setting():
    _check("shoe", 100, "oxford__Samsung_Dario_Hard_FrontPocket_2.csv")


def test_twins_agree_on_the_synthetic_run_read_at_50_hz():
    _check("waist", 50, "synthetic_run.csv")
