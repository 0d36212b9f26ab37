"""The micropython engine runs the very same core and reports exactly what CPython does."""

import json
import subprocess

import numpy as np
import pytest
from footfall import engine
from footfall.cli import main
from footfall.errors import EngineError
from footfall.resample import resample

from tests.host.signals import running_waist, write_csv
from tests.unixport import datasets_or_skip, micropython_binary

SMALL_OXFORD = "oxford__Samsung_Jamie_Hard_InHand_1.csv"


def events_equal(a: engine.Events, b: engine.Events) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


# 25 Hz keeps a run of the micropython engine in the fast loop
@pytest.mark.parametrize(
    "rate_hz", [25, *(pytest.param(hz, marks=pytest.mark.e2e) for hz in (100, 400))]
)
def test_engines_agree_on_a_synthetic_run(rate_hz):
    micropython_binary()
    t_ms, acc, _ = running_waist(seconds=25)
    grid = resample(t_ms, acc, rate_hz)
    py = engine.run(grid.acc_mg, rate_hz, "waist", "cpython")
    mp = engine.run(grid.acc_mg, rate_hz, "waist", "micropython")
    assert len(py.step_index) > 0
    assert events_equal(py, mp)


@pytest.mark.e2e
def test_engines_agree_on_a_real_recording(capsys):
    micropython_binary()
    path = str(datasets_or_skip() / SMALL_OXFORD)
    outs = []
    for name in engine.ENGINES:
        assert main(["detect", "--json", "--engine", name, path]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    py, mp = outs
    assert (py.pop("engine"), mp.pop("engine")) == ("cpython", "micropython")
    assert py["steps"] > 0
    assert py == mp


@pytest.mark.e2e
def test_engines_agree_on_the_shoe_placement():
    micropython_binary()
    t_ms, acc, _ = running_waist(seconds=20, cadence_spm=150)
    grid = resample(t_ms, acc, 100)
    py = engine.run(grid.acc_mg, 100, "shoe", "cpython")
    assert events_equal(py, engine.run(grid.acc_mg, 100, "shoe", "micropython"))


@pytest.mark.e2e
def test_samples_stream_to_the_runner_in_blocks_larger_than_its_buffer():
    micropython_binary()
    t_ms, acc, _ = running_waist(seconds=70)  # 7000 samples: several 2048-sample reads
    grid = resample(t_ms, acc, 100)
    mp = engine.run(grid.acc_mg, 100, "waist", "micropython")
    assert len(mp.cadence_index) == 69
    assert events_equal(engine.run(grid.acc_mg, 100, "waist", "cpython"), mp)


def test_missing_micropython_binary_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(engine.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineError, match="MicroPython unix port"):
        engine.micropython_binary()


def test_detect_exits_1_when_the_engine_cannot_run(monkeypatch, tmp_path, capsys):
    def fail(*args, **kwargs):
        raise EngineError("micropython engine failed: boom")

    monkeypatch.setattr(engine, "_run_micropython", fail)
    path = write_csv(tmp_path / "r.csv", *running_waist(seconds=5)[:2])
    assert main(["detect", "--engine", "micropython", str(path)]) == 1
    assert capsys.readouterr().err == "footfall: micropython engine failed: boom\n"


def test_runner_failure_surfaces_the_ports_error(monkeypatch):
    def crash(*args, **kwargs):
        return subprocess.CompletedProcess(args, 1, b"", b"Traceback\nImportError: no module\n")

    monkeypatch.setattr(engine.subprocess, "run", crash)
    monkeypatch.setattr(engine, "micropython_binary", lambda: "micropython")
    with pytest.raises(EngineError, match="ImportError: no module"):
        engine.run(np.zeros((10, 3), dtype=np.int32), 100, "waist", "micropython")
