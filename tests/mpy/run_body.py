"""Run a short test body after `from <rig> import *`; print the literal it leaves in `result`
(a body may print its result itself instead). stdin: (rig_module_name, body_source)."""

import sys

if __name__ == "__main__":
    rig, body = eval(sys.stdin.read())
    namespace = {}
    exec("from " + rig + " import *", namespace)
    exec(body, namespace)
    if "result" in namespace:
        print(repr(namespace["result"]))
