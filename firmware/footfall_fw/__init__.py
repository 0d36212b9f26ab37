"""footfall_fw: the device-only glue (tasks, sampler, haptics, config, store) around the core."""

VERSION = "0.1.0"


def log(msg):
    """A line on the console (the app, the boot guard and the boot-failure path)."""
    print("footfall:", msg)
