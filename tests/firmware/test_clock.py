"""The clock: the BM8563 driver against its register-level emulator, and board.py keeping UTC
in it (boot, SET_TIME, `footfall flash`) on the stand-in machine in the unix port."""

import ast  # noqa: I001 - fwpath must put firmware/ on the path before drivers
import calendar
import subprocess
import time

import pytest

import tests.firmware.fwpath  # noqa: F401
from drivers.bm8563 import BM8563
from footfall.engine import micropython_binary
from footfall.sim.board import CLOCK_MARK, unix_port_env
from footfall.sim.rtc_emu import BM8563Emu

from tests.conftest import MPY_SCRIPTS


class Clock:
    def __init__(self, s: int = 0) -> None:
        self.s = s

    def __call__(self) -> int:
        return self.s


def test_the_driver_writes_bcd_time_registers_and_clears_vl() -> None:
    emu = BM8563Emu(vl=True, now_s=Clock())
    rtc = BM8563(emu)
    rtc.set(2026, 12, 2, 13, 5, 59, 3)
    # PCF8563 section 8.4: seconds (VL = bit 7) .. years from register 0x02, BCD
    regs = bytearray(7)
    emu.readfrom_mem_into(0x51, 0x02, regs)
    assert bytes(regs) == bytes([0x59, 0x05, 0x13, 0x02, regs[4], 0x12, 0x26])
    assert rtc.datetime()[:6] == (2026, 12, 2, 13, 5, 59) and rtc.vl is False


def test_the_driver_reports_vl_set_after_a_power_loss() -> None:
    rtc = BM8563(BM8563Emu(vl=True, now_s=Clock()))
    assert rtc.valid() is False and rtc.vl is True


def test_the_emulated_chip_keeps_counting_from_the_time_written() -> None:
    clock = Clock(100)
    emu = BM8563Emu(vl=True, now_s=clock)
    BM8563(emu).set(2027, 2, 28, 23, 59, 58)
    clock.s += 3  # across midnight into March
    assert BM8563(emu).datetime()[:6] == (2027, 3, 1, 0, 0, 1)
    assert emu.unix_s() == calendar.timegm((2027, 3, 1, 0, 0, 1))


def test_the_emulated_chip_reads_unix_time_as_the_driver_expects() -> None:
    t = time.gmtime(1_800_000_000)
    got = BM8563(BM8563Emu(1_800_000_000, vl=False, now_s=Clock())).datetime()
    assert got[:6] == tuple(t[:6]) and got[6] == (t.tm_wday + 1) % 7


def test_a_missing_chip_raises_enodev_on_another_address() -> None:
    with pytest.raises(OSError):
        BM8563(BM8563Emu(now_s=Clock()), addr=0x52).datetime()


def run_board(script: str, **scenario: object) -> object:
    """Run script in tests/mpy/board_clock.py on the stand-in machine in the unix port;
    `result` back."""
    sc = {"board": "m5stickc_plus2", **scenario}
    env = unix_port_env()
    proc = subprocess.run(
        [micropython_binary(), str(MPY_SCRIPTS / "board_clock.py")],
        input=repr((sc, script)).encode(),
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    return ast.literal_eval(proc.stdout.decode().strip().splitlines()[-1])


@pytest.mark.e2e
def test_boot_sets_the_esp32_clock_from_a_bm8563_that_kept_time() -> None:
    # after a power-off: ESP32 clock at 2000-01-01, RTC memory empty, BM8563 kept UTC
    script = "result = (b.load_clock(chip), time.time())"
    valid, now_s = run_board(script, clock="set", epoch_s=1_800_000_000)
    assert valid is True and abs(now_s - 1_800_000_000) < 5


@pytest.mark.e2e
def test_boot_with_vl_set_and_no_set_time_leaves_the_clock_invalid() -> None:
    script = "result = (b.load_clock(chip), time.gmtime(time.time())[0])"
    assert run_board(script, clock="unset") == (False, 2000)


@pytest.mark.e2e
def test_set_time_writes_utc_into_both_clocks_and_clears_vl() -> None:
    script = """
b.write_clock(1800000000, chip)
result = (chip.valid(), time.time(), _sim._rtc.unix_s(), bytes(machine.RTC().memory()),
          clock.valid)
"""
    valid, esp_s, chip_s, mark, flag = run_board(script, clock="unset")
    assert valid and flag and mark == CLOCK_MARK.encode()
    assert abs(esp_s - 1_800_000_000) < 5 and abs(chip_s - 1_800_000_000) < 5


@pytest.mark.e2e
def test_a_reset_after_set_time_keeps_the_clock_valid_through_rtc_memory() -> None:
    # no RTC chip answering (VL set), but SET_TIME since power-on marked RTC memory
    script = "result = b.load_clock(chip)"
    assert run_board(script, clock="unset", rtc_memory=CLOCK_MARK) is True


@pytest.mark.e2e
def test_flash_set_clock_writes_utc_not_local_time() -> None:
    script = """
import footfall_fw.setclock as c
c.set_clock(1800000000, "m5stickc_plus2")
result = chip.datetime()[:6]
"""
    t = time.gmtime(1_800_000_000)
    assert tuple(run_board(script, clock="unset")) == tuple(t[:6])


@pytest.mark.e2e
@pytest.mark.parametrize("unix_s", [0xFFFFFFF0, 0, 1_704_067_199, 4_102_444_800])
def test_set_time_outside_2024_to_2099_raises_and_leaves_both_clocks_alone(unix_s) -> None:
    script = f"""
before = (time.time(), _sim._rtc.unix_s(), chip.valid())
try:
    b.write_clock({unix_s}, chip)
    raised = False
except ValueError:
    raised = True
result = (raised, before, (time.time(), _sim._rtc.unix_s(), chip.valid()), clock.valid)
"""
    raised, before, after, flag = run_board(script, clock="unset")
    assert raised and flag is False
    assert after[2] is False and abs(after[0] - before[0]) <= 1 and abs(after[1] - before[1]) <= 1


# A BM8563 read through a bus that answers 0x7F in every byte: VL (bit 7) is clear, so the
# chip claims a kept time, but the fields are 2085-25-45 45:85:85.
GARBLED = """
class Garbled:
    def readfrom_mem_into(self, addr, reg, buf):
        for i in range(len(buf)):
            buf[i] = 0x7F
from drivers.bm8563 import BM8563
garbled = BM8563(Garbled())
"""


@pytest.mark.e2e
def test_boot_does_not_believe_a_garbled_rtc_read_whose_vl_bit_is_clear() -> None:
    script = GARBLED + "result = (b.load_clock(garbled), garbled.vl, time.time())"
    valid, vl, now_s = run_board(script, clock="unset")
    assert vl is False and valid is False
    assert now_s < 1_000_000_000  # the ESP32 clock still at 2000-01-01: not set from the chip


@pytest.mark.e2e
@pytest.mark.parametrize(
    "fields",
    [(2010, 6, 1, 12, 0, 0, 2), (2026, 13, 1, 0, 0, 0, 0), (2026, 2, 0, 0, 0, 0, 0)],
)
def test_boot_does_not_believe_a_chip_time_that_is_no_usable_date(fields) -> None:
    script = f"""
class Chip:
    vl = False
    def datetime(self):
        return {fields!r}
result = (b.load_clock(Chip()), time.time())
"""
    valid, now_s = run_board(script, clock="unset")
    assert valid is False and now_s < 1_000_000_000
