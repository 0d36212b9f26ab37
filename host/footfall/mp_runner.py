"""Run inside the MicroPython unix port: stream samples through footfall_core, write events.

Usage: micropython mp_runner.py CORE_PARENT_DIR RATE_HZ PLACEMENT
stdin:  packed little-endian int16 x, y, z triples (milli-g) until end of file.
stdout: little-endian int32s: n_steps, n_cadence, then step indices, step peaks (mg),
        cadence indices, cadence values (spm). The event rule is footfall_core.replay's.
This file is MicroPython code (no typing, no numpy); the host's engine.py drives it.
"""

import sys
from array import array

BLOCK_SAMPLES = 2048


def main():
    sys.path.insert(0, sys.argv[1])
    from footfall_core.replay import Replay

    rate_hz = int(sys.argv[2])
    steps, peaks, cad_index, cad_spm = array("i"), array("i"), array("i"), array("i")

    def on_step(index, peak_mg):
        steps.append(index)
        peaks.append(peak_mg)

    def on_cadence(index, spm):
        cad_index.append(index)
        cad_spm.append(spm)

    replay = Replay(rate_hz, sys.argv[3], on_step, on_cadence)
    # array(typecode, bytearray) takes the bytes as raw items in MicroPython: 3 * BLOCK int16s.
    buf = array("h", bytearray(6 * BLOCK_SAMPLES))
    readinto = sys.stdin.buffer.readinto
    while True:
        got = readinto(buf) or 0  # fills the buffer unless the input ends
        if got % 6:
            raise ValueError("input is not whole int16 x,y,z triples")
        replay.push_block(buf, got // 6)
        if got < len(buf) * 2:
            break
    replay.flush()
    out = sys.stdout.buffer
    out.write(array("i", [len(steps), len(cad_index)]))
    for part in (steps, peaks, cad_index, cad_spm):
        out.write(part)


if __name__ == "__main__":  # importing this module (e.g. from CPython) must not read stdin
    main()
