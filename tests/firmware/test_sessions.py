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
        self.gaps: list[tuple[int, int, int, int]] = []  # (steps before it, at, lost ms, n)

    def add_step(self, interval_ms: int, peak_mg: int, cadence_spm: int, flags: int) -> bool:
        self.steps.append((interval_ms, peak_mg, cadence_spm, flags))
        return True

    def add_gap(self, at_ms: int, lost_ms: int, lost_samples: int) -> bool:
        self.gaps.append((len(self.steps), at_ms, lost_ms, lost_samples))
        return True

    def close(self, reason: int, now_ms: int) -> None:
        self.closed = (reason, now_ms)


class FakeStore:
    def __init__(self) -> None:
        self.writers: list[FakeWriter] = []
        self.headers: list = []

    def begin(self, header: object) -> FakeWriter:
        self.headers.append(header)
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


def test_a_gap_is_logged_among_the_steps_and_keeps_their_times_true() -> None:
    s, tracker, store = make()
    s.start()
    steps_every(s, tracker, 35, 400, 35)  # steps at 350 ms .. 3850 ms
    tracker.index += 50  # Tracker.skip: 500 ms of samples lost from sample 400
    s.gap(50)
    steps_every(s, tracker, 470, 750, 35)
    s.drain()
    w = store.writers[0]
    before = len(range(35, 400, 35))
    assert w.gaps == [(before, 4000, 500, 50)]
    # the first step after the gap is at index 470, 420 samples pushed + 50 lost: 4700 ms
    assert sum(step[0] for step in w.steps[: before + 1]) == 4700
    assert s.now_ms() == 7500


def test_samples_lost_after_the_last_step_still_count_in_the_session_time() -> None:
    s, tracker, store = make()
    s.start()
    steps_every(s, tracker, 35, 100, 35)
    tracker.index += 30
    s.gap(30)
    tracker.index = 150
    s.stop()
    w = store.writers[0]
    assert w.gaps == [(2, 1000, 300, 30)] and w.closed is not None and w.closed[1] == 1500


def test_a_gap_before_the_session_started_is_dropped() -> None:
    s, tracker, store = make()
    tracker.index = 140
    s.gap(40)
    tracker.index = 200
    s.start()
    steps_every(s, tracker, 235, 300, 35)
    s.drain()
    assert store.writers[0].gaps == [] and store.writers[0].steps[0][0] == 350


def test_the_measured_rate_sets_step_times_and_the_header() -> None:
    s, tracker, store = make()
    s.rate_mhz = 104_000  # the IMU runs 4 % fast: 104 samples are one second
    s.start()
    steps_every(s, tracker, 104, 300, 104)
    s.drain()
    assert [step[0] for step in store.writers[0].steps] == [1000, 1000]
    assert store.headers[0].rate_mhz == 104_000 and store.headers[0].rate_hz == 100


def test_the_header_says_whether_the_clock_is_set_and_when_in_uptime_it_began() -> None:
    from footfall_fw import clock

    s, tracker, store = make()
    clock.set_valid(False)
    s.start()
    s.stop()
    clock.set_valid(True)
    s.start()
    h0, h1 = store.headers
    assert (h0.clock_set, h1.clock_set) == (False, True)
    assert h0.boot_id == clock.BOOT_ID != 0
    assert abs(h0.start_up_ms - clock.uptime_ms()) < 5000


@pytest.mark.e2e
def test_gap_allocates_nothing_and_keeps_time_true_in_the_unix_port() -> None:
    from tests.conftest import MPY_SCRIPTS
    from tests.unixport import run_mpy_file

    out = (
        run_mpy_file(MPY_SCRIPTS / "sessions_gap_heap_lock.py")
        .stdout.decode()
        .strip()
        .splitlines()[-1]
    )
    assert out == (
        "[('step', 350, 3000, 170, 2), ('gap', 400, 300, 30), ('step', 650, 3000, 170, 2), "
        "('end', 1100)] False 100000"
    )


class StubTime:
    """The port's time module as footfall_fw.clock reads it: time() and ticks_ms()."""

    def __init__(self, unix_s: int, uptime_ms: int) -> None:
        self.unix_s = unix_s
        self.uptime_ms = uptime_ms

    def time(self) -> int:
        return self.unix_s

    def ticks_ms(self) -> int:
        return self.uptime_ms


@pytest.mark.parametrize(
    ("clock_s", "start_s", "clock_set"),
    [
        (1_900_000_000, 1_900_000_000 - 10, True),  # 2030: kept
        (1_300_000_000, 1_300_000_000 - 10, False),  # 2011: before 2024, not believed
        (6_000_000_000, 946_684_800 + 3_600 - 10, False),  # 2160: past the header's u32
        (2**62, 946_684_800 + 3_600 - 10, False),
        (-5, 946_684_800 + 3_600 - 10, False),  # before 1970
    ],
)
def test_a_clock_outside_its_range_starts_a_session_as_an_unset_clock_would(
    monkeypatch: pytest.MonkeyPatch, clock_s: int, start_s: int, clock_set: bool
) -> None:
    from footfall_core.header import HEADER_BYTES, Header
    from footfall_fw import clock

    monkeypatch.setattr(clock, "time", StubTime(clock_s, 3_600_000))  # up an hour
    monkeypatch.setattr(clock, "EPOCH_OFFSET_S", 0)
    monkeypatch.setattr(clock, "valid", True)  # set since power-on, as after a SET_TIME
    s, tracker, store = make()
    tracker.index = 2000
    s.start(auto=True, back_ms=10_000)
    header = store.headers[0]
    buf = bytearray(HEADER_BYTES)
    header.pack_into(buf)  # raised "start_s must be 0..2**32-1" for a clock past 2106
    back = Header.unpack_from(buf)
    assert (back.start_s(), back.clock_set) == (start_s, clock_set)
