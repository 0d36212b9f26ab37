"""Replay's event rule, checked under CPython and inside the MicroPython unix port."""

import pytest

from tests.conftest import run_script


@pytest.fixture
def run(interpreter):
    """The replay scenario (tests/mpy/replay_scenario.py) in one interpreter."""
    return lambda *args: run_script(interpreter, "replay_scenario.py", args)


def test_cadence_is_read_after_each_whole_second_of_samples(run):
    assert run(50, 176, 176) == [(50, 0), (100, 0), (150, 0)]


def test_block_boundaries_do_not_move_the_cadence_readings(run):
    assert run(25, 101, 7) == run(25, 101, 101) == [(25, 0), (50, 0), (75, 0), (100, 0)]


def test_no_reading_before_the_first_full_second(run):
    assert run(100, 100, 30) == []
