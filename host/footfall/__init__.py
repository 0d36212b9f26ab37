"""footfall: host tools for the footfall running cadence sensor."""

__version__ = "0.1.0"
