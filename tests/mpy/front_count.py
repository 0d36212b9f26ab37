"""Count the steps of a 3000-sample synthetic walk (one 1500 mg bump every 35 samples) with
the core's StepDetector; print (front end in use, steps found). stdin: a folder to put ahead
of firmware/ on sys.path, whose footfall_core is then the one imported, or None."""

import sys
from array import array


def count(first):
    if first is not None:
        sys.path.insert(0, first)
    from footfall_core import steps as S

    buf = array("h", bytes(6 * 3000))
    for i in range(3000):
        buf[3 * i + 2] = 1000 + (1500 if i % 35 < 6 else 0)
    found = []
    S.StepDetector(100, "waist", lambda i, p: found.append(i)).push_block(buf, 0, 3000)
    return S.FRONT, len(found)


print(repr(count(eval(sys.stdin.read()))))
