"""Print crc16 and session_crc of each block's span [1, len) with seed 0x1D0F, one block a
line. stdin: a list of bytes blocks."""

import sys

from footfall_core.crc import crc16, session_crc

for block in eval(sys.stdin.read()):
    print(crc16(block, 1, len(block), 0x1D0F), session_crc(block, 1, len(block), 0x1D0F))
