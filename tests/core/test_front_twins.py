"""The viper-compiled front end and its plain twin agree sample for sample (unix port)."""

from pathlib import Path

import pytest

from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy_file

# Twin runs over whole recordings: the full suite (make test) runs them, the fast loop does not.
pytestmark = pytest.mark.e2e


DATA = Path(__file__).resolve().parents[1] / "data"


def _check(placement: str, rate_hz: int, name: str) -> None:
    params = repr((str(DATA / name), placement, rate_hz)).encode()
    out = run_mpy_file(MPY_SCRIPTS / "front_twins.py", stdin=params).stdout.decode().split("\n")
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
