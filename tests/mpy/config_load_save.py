"""Load a config file, save a target over it, load it again; print (loaded the defaults,
problem count, target_spm after the save). stdin: the file's path."""

import sys

from footfall_fw import config

path = eval(sys.stdin.read())
cfg, problems = config.load(path)
config.save({"target_spm": 172}, path)
print(repr((cfg == config.defaults(), len(problems), config.load(path)[0]["target_spm"])))
