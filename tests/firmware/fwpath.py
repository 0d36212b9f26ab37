"""Put firmware/ on CPython's import path so firmware modules without `machine` import here."""

import sys

from tests.unixport import FIRMWARE

if str(FIRMWARE) not in sys.path:
    sys.path.insert(0, str(FIRMWARE))
