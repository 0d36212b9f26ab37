"""The running app as the sync protocol sees it: identity, status, clock, live mode, config.

SyncServer (footfall_core.sync_server) takes a `device` and a `config` object; both links
(usb_link over USB serial, ble_link over BLE) build theirs from the one App:

    dev = SyncDevice(app, CAP_SERIAL)  # footfall_core.sync_defs
    server = SyncServer(app.store, SyncConfig(app), dev, send)
"""

from footfall_core.coach import Coach, CoachConfig

from footfall_fw import VERSION, clock, config

# Battery percentage from the cell voltage: linear between these (a 1-cell LiPo under light
# load); a board without battery sensing reports 255 ("unknown"), as the protocol says.
EMPTY_MV = 3300
FULL_MV = 4150


def battery_pct(mv):
    if mv <= 0:
        return 255
    pct = (mv - EMPTY_MV) * 100 // (FULL_MV - EMPTY_MV)
    return 0 if pct < 0 else 100 if pct > 100 else pct


class SyncDevice:
    """device_id, fw_version, capabilities, status(), set_time(unix_s), set_live(on),
    clock()."""

    def __init__(self, app, capabilities):
        self.app = app
        self.device_id = app.hw.device_id
        self.fw_version = tuple(int(v) for v in VERSION.split("."))
        self.capabilities = capabilities

    def status(self):
        """(battery_mv, battery_pct, activity state, FIFO overflows) for INFO."""
        a = self.app
        mv = a.battery.read_mv() if a.battery.adc is not None else 0
        return (mv, battery_pct(mv), a.tracker.state(), a.sampler.overflows)

    def set_time(self, unix_s):
        """SET_TIME: ValueError, the clock untouched, for a time outside clock.usable()."""
        if not clock.usable(unix_s):
            raise ValueError(f"clock: {unix_s} s is outside 2024-2099 UTC")
        self.app.hw.set_clock(unix_s)

    def clock(self):
        """(boot_id, uptime_ms, clock valid) for HELLO: how the host re-bases sessions."""
        return (clock.BOOT_ID, clock.uptime_ms(), clock.is_set())

    def set_live(self, on):
        # Not saved: live mode lasts until reboot unless the host sets it in the config.
        self.app.cfg["live"] = bool(on)


class SyncConfig:
    """get() -> the config dict; set(changes) validates, saves and applies it, or raises
    ValueError naming the field (SET CONFIG's refusal reason) with nothing saved or changed.
    The rules are the config's own (config.check); the coach is built before the file is
    written, so a config that is saved can run. Placement and rate take effect at the next
    boot; targets and cue timing at once."""

    def __init__(self, app, path=config.PATH):
        self.app = app
        self.path = path

    def get(self):
        return self.app.cfg

    def set(self, changes):
        merged = dict(self.app.cfg)
        merged.update(changes)
        cfg = config.validate(merged)
        coach = Coach(CoachConfig(**config.coach_fields(cfg)))
        config.save(cfg, self.path)
        self.app.cfg.update(cfg)
        self.app.coach = coach
