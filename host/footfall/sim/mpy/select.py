"""Virtual-board stand-in for `select`: a poll() whose timeout lets virtual time pass.

asyncio waits for its next timer in `poll.ipoll(dt)`. Here that wait adds `dt` to the
virtual clock (see the stand-in `time`) instead of blocking; streams that really are
registered (a pty when serving sync) are polled without blocking first. Each call also
closes one step of the event loop for the stall figure (`_sim.max_stall_ms`).
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

import _sim  # noqa: E402 - loop stall accounting


class poll:  # the built-in's name
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
        # A C call on the board: the stand-in's work (its bookkeeping included) is not
        # charged, so it all runs inside one hold() bracket.
        time.hold()
        try:
            if self is not _sim.scheduler_poller():  # a task's own poll (usb_link on stdin)
                return self._ipoll(timeout)
            # asyncio's poll: it calls this before every task step (timeout 0 when one is
            # due), so the time since the last call is one step of the loop (_sim: stalls).
            _sim.loop_waits(time.ticks_ms())
            ready = self._ipoll(timeout)
            _sim.loop_runs(time.ticks_ms())
            return ready
        finally:
            time.release()

    def _ipoll(self, timeout):
        if self._count:
            ready = self._poll.poll(0)
            if ready or timeout == 0:
                return ready
        if timeout < 0:
            raise OSError("virtual board: waiting forever with nothing to wake it")
        time.idle(timeout)
        return ()
