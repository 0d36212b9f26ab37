"""Buttons (debounce, short press, long hold) and the battery monitor's thresholds."""

import tests.firmware.fwpath  # noqa: F401, I001 - puts firmware/ on the path first
from footfall_fw import battery, buttons


class FakePin:
    def __init__(self) -> None:
        self.level = 1

    def value(self) -> int:
        return self.level


def hold(button: buttons.Button, pin: FakePin, ms: int) -> list[int]:
    """Press for ms, then release; every event the button reported."""
    pin.level = 0
    events = [button.update(buttons.POLL_MS) for _ in range(ms // buttons.POLL_MS)]
    pin.level = 1
    return [e for e in [*events, button.update(buttons.POLL_MS)] if e != buttons.NONE]


def test_short_press_reports_short_on_release() -> None:
    pin = FakePin()
    assert hold(buttons.Button(pin), pin, 200) == [buttons.SHORT]


def test_bounce_shorter_than_debounce_is_ignored() -> None:
    pin = FakePin()
    assert hold(buttons.Button(pin), pin, buttons.POLL_MS) == []


def test_long_hold_reports_long_once_and_no_short() -> None:
    pin = FakePin()
    assert hold(buttons.Button(pin), pin, 4000) == [buttons.LONG]


def test_missing_button_never_reports() -> None:
    assert buttons.Button(None).update(buttons.POLL_MS) == buttons.NONE


class FakeADC:
    """Reads mv (behind a 1:2 divider); `dips` readings from now read dip_mv instead."""

    def __init__(self, mv: int) -> None:
        self.mv = mv
        self.dips = 0
        self.dip_mv = 0

    def read_uv(self) -> int:
        if self.dips:
            self.dips -= 1
            return self.dip_mv * 1000 // 2
        return self.mv * 1000 // 2


def checks(b: battery.Battery, n: int, busy: bool = False) -> list[int]:
    return [b.check(busy) for _ in range(n)]


def test_battery_low_warns_once_per_dip_after_consecutive_low_checks() -> None:
    adc = FakeADC(3400)
    b = battery.Battery(adc, scale=2)
    first = checks(b, battery.CONFIRM - 1)
    assert first == [battery.OK] * (battery.CONFIRM - 1)
    assert checks(b, 3) == [battery.LOW, battery.OK, battery.OK]
    adc.mv = 3600
    assert b.check() == battery.OK
    adc.mv = 3400
    assert checks(b, battery.CONFIRM)[-1] == battery.LOW


def test_battery_flat_is_critical_only_after_consecutive_flat_checks() -> None:
    b = battery.Battery(FakeADC(3250), scale=2)
    assert checks(b, battery.CONFIRM) == [battery.OK] * (battery.CONFIRM - 1) + [battery.CRITICAL]


def test_one_flat_check_among_good_ones_never_powers_off() -> None:
    adc = FakeADC(3800)
    b = battery.Battery(adc, scale=2)
    for _ in range(10):
        adc.dips = battery.READS  # a whole check reads 3.2 V (a motor start, a bad contact)
        adc.dip_mv = 3200
        assert b.check() == battery.OK
        assert b.check() == battery.OK


def test_one_bad_reading_is_averaged_away() -> None:
    adc = FakeADC(3400)
    b = battery.Battery(adc, scale=2)
    adc.dips, adc.dip_mv = 1, 2000
    b.check()
    assert 3200 < b.mv < 3400  # 7 of 3400 mV and 1 of 2000: 3225 mV


def test_no_reading_while_a_cue_plays() -> None:
    adc = FakeADC(3250)
    b = battery.Battery(adc, scale=2)
    assert checks(b, 10, busy=True) == [battery.OK] * 10
    assert b.skipped == 10 and b.mv == 0


def test_checks_come_sooner_while_a_low_level_waits_for_confirmation() -> None:
    adc = FakeADC(3800)
    b = battery.Battery(adc, scale=2)
    b.check()
    assert b.next_ms == battery.PERIOD_MS
    adc.mv = 3250
    b.check()
    assert b.next_ms == battery.CONFIRM_MS
    # a flat cell is confirmed CONFIRM_MS * (CONFIRM - 1) after its first low check
    assert (battery.CONFIRM - 1) * battery.CONFIRM_MS <= 10_000


def test_board_without_battery_sensing_is_always_ok() -> None:
    assert battery.Battery(None).check() == battery.OK
