"""footfall_fw: the device-only glue (tasks, sampler, haptics, config, store) around the core."""

VERSION = "0.1.0"
