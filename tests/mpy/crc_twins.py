"""Compare the viper CRC loops with the plain ones on 300 random spans of bytes, bytearrays
and memoryviews (unix port); print which loop crc picked, the mismatches, and both CRCs of
b"123456789"."""

import random

from footfall_core import crc

random.seed(7)
bad = 0
for _ in range(300):
    n = random.getrandbits(10) + 1
    data = bytearray(random.getrandbits(8) for _ in range(n))
    a = random.getrandbits(9) % n
    b = a + random.getrandbits(9) % (n - a + 1)
    seed = random.getrandbits(16)
    for buf in (data, bytes(data), memoryview(data)):
        if crc._fast(buf, a, b, seed) != crc._span(buf, a, b, seed):
            bad += 1
        if crc._session_fast(buf, a, b, seed) != crc._session_span(buf, a, b, seed):
            bad += 1
print(crc.CRC, bad, crc.crc16(b"123456789"), crc.session_crc(b"123456789"))
