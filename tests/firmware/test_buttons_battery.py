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
    def __init__(self, mv: int) -> None:
        self.mv = mv

    def read_uv(self) -> int:
        return self.mv * 1000 // 2  # behind a 1:2 divider


def test_battery_low_warns_once_per_dip() -> None:
    adc = FakeADC(3400)
    b = battery.Battery(adc, scale=2)
    assert [b.check() for _ in range(3)] == [battery.LOW, battery.OK, battery.OK]
    adc.mv = 3600
    assert b.check() == battery.OK
    adc.mv = 3400
    assert b.check() == battery.LOW


def test_battery_flat_is_critical() -> None:
    assert battery.Battery(FakeADC(3250), scale=2).check() == battery.CRITICAL


def test_board_without_battery_sensing_is_always_ok() -> None:
    assert battery.Battery(None).check() == battery.OK
