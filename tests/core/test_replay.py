"""Replay's event rule, checked under CPython and inside the MicroPython unix port."""

import ast

import pytest

from tests.unixport import run_mpy

# One copy of the scenario, executed by both interpreters: push `seconds` of still samples
# in blocks of `block` samples and record the cadence reading indices.
RUNNER = """
from array import array
from footfall_core.replay import Replay

def scenario(rate_hz, n_samples, block):
    seen = []
    replay = Replay(rate_hz, "waist", lambda i, p: None, lambda i, spm: seen.append((i, spm)))
    buf = array('h', [0, 0, 1000] * block)  # the sample contract: int16 x, y, z
    pushed = 0
    while pushed < n_samples:
        n = min(block, n_samples - pushed)
        replay.push_block(buf, n)
        pushed += n
    replay.flush()
    return seen
"""


def cpython(*args: int) -> object:
    namespace: dict = {}
    exec(RUNNER, namespace)
    return ast.literal_eval(repr(namespace["scenario"](*args)))


def micropython(*args: int) -> object:
    script = RUNNER + f"print(repr(scenario{args!r}))\n"
    return ast.literal_eval(run_mpy(script).stdout.decode().strip())


@pytest.mark.parametrize("run", [cpython, micropython])
def test_cadence_is_read_after_each_whole_second_of_samples(run):
    assert run(50, 176, 176) == [(50, 0), (100, 0), (150, 0)]


@pytest.mark.parametrize("run", [cpython, micropython])
def test_block_boundaries_do_not_move_the_cadence_readings(run):
    assert run(25, 101, 7) == run(25, 101, 101) == [(25, 0), (50, 0), (75, 0), (100, 0)]


@pytest.mark.parametrize("run", [cpython, micropython])
def test_no_reading_before_the_first_full_second(run):
    assert run(100, 100, 30) == []
