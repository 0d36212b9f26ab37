"""footfall_core: the portable, integer-only core of footfall (device, unix port, CPython)."""

VERSION = "0.1.0"
