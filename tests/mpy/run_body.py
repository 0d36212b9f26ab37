"""Run a short test body after `from <rig> import *`; print the literal it leaves in `result`.
stdin: (rig_module_name, body_source)."""

import sys

if __name__ == "__main__":
    rig, body = eval(sys.stdin.read())
    namespace = {}
    exec("from " + rig + " import *", namespace)
    exec(body, namespace)
    print(repr(namespace["result"]))
