"""Build a board's parts with footfall_fw.board.Hardware on the stand-in machine, as the
firmware does at boot, and print what its IMU driver and the chip's emulator say as one
dict. stdin: (board name, rate in Hz, folders to search before firmware/ for a board file).
"""

import sys


def hardware(name, rate_hz, first):
    sys.path[:0] = first
    import _sim

    _sim.scenario = {"board": name}
    _sim.samples = []
    from footfall_fw import board

    board.load_board(name)
    hw = board.Hardware(name, rate_hz)
    emu = _sim._emu
    return {
        "rate_hz": hw.imu.rate_hz,
        "rate_mhz": hw.imu.rate_mhz,
        "emu_rate_mhz": emu.rate_mhz(),
        "chip": hw.imu.CHIP,
        "emu_chip": emu.CHIP,
        "full_scale_g": getattr(hw.imu, "full_scale_g", 16),
        "timeout_us": hw.imu._i2c.timeout_us,
    }


print(repr(hardware(*eval(sys.stdin.read()))))
