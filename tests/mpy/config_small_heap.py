"""Load a config file as the firmware does at boot, then parse it whole as json.load would,
on whatever heap the port was given; print (loaded the defaults, problem count, first
problem or "", "parsed" or "MemoryError"). stdin: the file's path."""

import gc
import json
import sys

from footfall_fw import config

path = eval(sys.stdin.read())
gc.collect()
cfg, problems = config.load(path)
loaded = (cfg == config.defaults(), len(problems), problems[0] if problems else "")
del cfg, problems
gc.collect()
try:
    with open(path) as f:
        json.load(f)  # what load() did with every file
    whole = "parsed"
except MemoryError:
    whole = "MemoryError"
print(repr(loaded + (whole,)))
