"""Run inside the MicroPython unix port: stream samples through footfall_core, write events.

Usage: micropython mp_runner.py CORE_PARENT_DIR RATE_HZ PLACEMENT
stdin:  little-endian uint32s: n_pieces, then each piece's length in samples; then the
        pieces' samples, packed little-endian int16 x, y, z triples (milli-g). Each piece
        (a stretch between gaps) runs through a fresh core.
stdout: little-endian int32s: n_steps, n_cadence, then step indices, step peaks (mg),
        cadence indices, cadence values (spm), indices counted from the first piece's first
        sample. The event rule is footfall_core.replay's.
This file is MicroPython code (no typing, no numpy); the host's engine.py drives it.
"""

import sys
from array import array

BLOCK_SAMPLES = 2048


def read_u32s(stream, n):
    raw = stream.read(4 * n)
    if len(raw) != 4 * n:
        raise ValueError("input ends inside the piece lengths")
    return array("I", bytearray(raw))  # bytes would give one item per byte


def main():
    sys.path.insert(0, sys.argv[1])
    from footfall_core.replay import Replay

    rate_hz = int(sys.argv[2])
    steps, peaks, cad_index, cad_spm = array("i"), array("i"), array("i"), array("i")
    offset = 0

    def on_step(index, peak_mg):
        steps.append(offset + index)
        peaks.append(peak_mg)

    def on_cadence(index, spm):
        cad_index.append(offset + index)
        cad_spm.append(spm)

    stdin = sys.stdin.buffer
    lengths = read_u32s(stdin, read_u32s(stdin, 1)[0])
    # array(typecode, bytearray) takes the bytes as raw items in MicroPython: 3 * BLOCK int16s.
    buf = array("h", bytearray(6 * BLOCK_SAMPLES))
    view = memoryview(buf)
    for n in lengths:
        replay = Replay(rate_hz, sys.argv[3], on_step, on_cadence)
        left = n
        while left:
            want = min(left, BLOCK_SAMPLES)
            got = stdin.readinto(view[: 3 * want]) or 0  # whole bytes of the piece's samples
            if got != 6 * want:
                raise ValueError("input ends inside a piece's samples")
            replay.push_block(buf, want)
            left -= want
        replay.flush()
        offset += n
    out = sys.stdout.buffer
    out.write(array("i", [len(steps), len(cad_index)]))
    for part in (steps, peaks, cad_index, cad_spm):
        out.write(part)


if __name__ == "__main__":  # importing this module (e.g. from CPython) must not read stdin
    main()
