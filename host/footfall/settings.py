"""The device settings the commands set by option, and the config field each one sets.

`footfall config` and `footfall sim` take the same options for the same fields; the
firmware's config (footfall_fw/config.py FIELDS) holds each field's default and bounds,
and this table is the one place an option's name meets its field's.
"""

# option dest -> config field
OPTION_FIELDS = {
    "target": "target_spm",
    "tolerance": "tolerance_spm",
    "placement": "placement",
    "auto_target": "auto_target",
    "below": "below_s",
    "rate": "rate_hz",
    "coach": "coach",
    "repeat_s": "repeat_s",
    "beat_steps": "beat_steps",
    "beat_out": "beat_out",
    "impact_limit_mg": "impact_limit_mg",
    "impact_drop_pct": "impact_drop_pct",
    "programme": "programme",
}
