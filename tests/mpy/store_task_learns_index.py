"""Run the Store's task on a store without an index beside a busy sampler task; print
whether the sampler ran between its steps and what it learned, then what a second boot
reads. stdin: root."""

import asyncio
import sys

from footfall_fw.store import Store

ROOT = eval(sys.stdin.read())

s = Store(ROOT, free_bytes_fn=lambda: 10000000)
ticks = [0]


async def sampler():
    while True:
        ticks[0] += 1
        await asyncio.sleep_ms(0)


async def main():
    asyncio.create_task(sampler())
    task = asyncio.create_task(s.run())
    seen = []
    while not s.ready:
        seen.append(ticks[0])
        await asyncio.sleep_ms(1)
    task.cancel()
    print(len(set(seen)) > 5, [(i, s.session_info(i)[3:]) for i in s.sessions()])


asyncio.run(main())
again = Store(ROOT, free_bytes_fn=lambda: 10000000)
again.finish()
print(again.scanned_bytes, len(again.sessions()))
