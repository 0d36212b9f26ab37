"""Virtual-board stand-in for `select`: a poll() whose timeout lets virtual time pass.

asyncio waits for its next timer in `poll.ipoll(dt)`. Here that wait adds `dt` to the
virtual clock (see the stand-in `time`) instead of blocking; streams that really are
registered (a pty when serving sync) are polled without blocking first.
"""

import sys

_path = sys.path
sys.path = []
try:
    from select import *  # noqa: F403 - the built-in select module, extended below
    from select import poll as _real_poll
finally:
    sys.path = _path
del _path

import time  # the stand-in virtual clock  # noqa: E402


class poll:  # noqa: N801 - same name as the built-in
    def __init__(self):
        self._poll = _real_poll()
        self._count = 0

    def register(self, obj, *mask):
        self._poll.register(obj, *mask)
        self._count += 1

    def unregister(self, obj):
        self._poll.unregister(obj)
        self._count -= 1

    def modify(self, obj, mask):
        self._poll.modify(obj, mask)

    def poll(self, timeout=-1):
        return list(self.ipoll(timeout))

    def ipoll(self, timeout=-1, flags=0):
        if self._count:
            ready = self._poll.poll(0)
            if ready or timeout == 0:
                return ready
        if timeout < 0:
            raise OSError("virtual board: waiting forever with nothing to wake it")
        time.advance(timeout)
        return ()
