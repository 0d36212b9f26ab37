"""Session control: the step ring, back-dated auto-start, auto-stop and the logger's intervals."""

import pytest  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw

import tests.firmware.fwpath  # noqa: F401
from footfall_core.activity import IDLE, RUNNING
from footfall_fw import config
from footfall_fw.sessions import RING, Sessions


class FakeActivity:
    def state(self, index: int) -> int:
        return RUNNING


class FakeTracker:
    rate_hz = 100

    def __init__(self) -> None:
        self.index = 0
        self.activity = FakeActivity()
        self.flushed = 0

    def flush(self) -> None:
        self.flushed += 1


class FakeWriter:
    def __init__(self) -> None:
        self.steps: list[tuple[int, int, int, int]] = []
        self.closed: tuple[int, int] | None = None
        self.stopped = False

    def add_step(self, interval_ms: int, peak_mg: int, cadence_spm: int, flags: int) -> bool:
        self.steps.append((interval_ms, peak_mg, cadence_spm, flags))
        return True

    def close(self, reason: int, now_ms: int) -> None:
        self.closed = (reason, now_ms)


class FakeStore:
    def __init__(self) -> None:
        self.writers: list[FakeWriter] = []

    def begin(self, header: object) -> FakeWriter:
        self.writers.append(FakeWriter())
        return self.writers[-1]


def make(**cfg: object) -> tuple[Sessions, FakeTracker, FakeStore]:
    tracker, store = FakeTracker(), FakeStore()
    return Sessions(store, tracker, config.validate(cfg)), tracker, store


def steps_every(s: Sessions, tracker: FakeTracker, first: int, last: int, every: int) -> None:
    for index in range(first, last, every):
        s.on_step(index, 3000, 170)
    tracker.index = last


def test_auto_start_includes_the_steps_of_the_spell_that_started_it() -> None:
    s, tracker, store = make()
    steps_every(s, tracker, 0, 3000, 35)  # 30 s of steps, but only the last 10 s count
    s.start(auto=True, back_ms=10_000)
    logged = store.writers[0].steps
    assert len(logged) == len(range(2030, 3000, 35))
    assert logged[0][0] == (2030 - 2000) * 10 and logged[1][0] == 350


def test_button_start_logs_only_steps_from_now_on() -> None:
    s, tracker, store = make()
    steps_every(s, tracker, 0, 1000, 35)
    s.start()
    steps_every(s, tracker, 1010, 1500, 35)
    s.drain()
    assert len(store.writers[0].steps) == len(range(1010, 1500, 35))


def test_ring_drops_and_counts_when_the_logger_stalls() -> None:
    s, tracker, _ = make()
    s.start()
    steps_every(s, tracker, 0, (RING + 5) * 35, 35)
    assert s.dropped == 5


def test_stop_flushes_the_tracker_and_closes_the_file() -> None:
    s, tracker, store = make()
    s.start()
    steps_every(s, tracker, 0, 500, 35)
    s.stop()
    assert tracker.flushed == 1 and store.writers[0].closed == (0, 5000)
    assert not s.active


@pytest.mark.parametrize(("spm", "expected"), [(150, "start"), (120, None)])
def test_auto_start_needs_start_s_above_start_spm(spm: int, expected: str | None) -> None:
    s, _, _ = make(start_spm=135, start_s=10)
    results = [s.update_auto(1000, spm, RUNNING) for _ in range(10)]
    assert results[:9] == [None] * 9 and results[9] == expected


def test_auto_start_off_never_starts() -> None:
    s, _, _ = make(auto_start=False)
    assert all(s.update_auto(1000, 170, RUNNING) is None for _ in range(60))


def test_auto_started_session_stops_after_stop_s_without_running() -> None:
    s, _, _ = make(stop_s=60)
    s.start(auto=True)
    results = [s.update_auto(1000, 0, IDLE) for _ in range(60)]
    assert results[:59] == [None] * 59 and results[59] == "stop"


def test_button_started_session_is_not_auto_stopped() -> None:
    s, _, _ = make(stop_s=60)
    s.start()
    assert all(s.update_auto(1000, 0, IDLE) is None for _ in range(600))


def test_after_a_stop_auto_start_waits_for_the_runner_to_stop_running() -> None:
    s, _, _ = make(start_s=10)
    s.start()
    s.stop()
    assert all(s.update_auto(1000, 170, RUNNING) is None for _ in range(30))
    s.update_auto(1000, 0, IDLE)
    assert [s.update_auto(1000, 170, RUNNING) for _ in range(10)][-1] == "start"
