"""App rig for the unix port: stand-ins for what App's BLE methods read (a BLE link that logs
start and stop, the session state, a bare object to hang attributes on). Test bodies take it
with `from ble_app_rig import *` and call App's methods on a Fake."""

# Re-exported for the test bodies, which take everything here with `import *`.
import asyncio  # noqa: F401
import json  # noqa: F401

from footfall_fw.app import App  # noqa: F401


class Ble:
    def __init__(self):
        self.calls = []

    async def start(self):
        self.calls.append("start")

    async def stop(self):
        self.calls.append("stop")


class Sessions:
    active = False


class Fake:  # just what App's BLE methods read
    pass
