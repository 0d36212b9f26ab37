"""The runner's settings: one JSON file on flash, loaded with defaults, validated, saved safely.

`load()` never raises for a missing or corrupt file: the device must still count steps with a
broken config, so it falls back to the defaults (field by field where it can) and returns the
problems for the app to report. `validate()` and `save()` raise ValueError naming the field,
which is what the sync protocol's SET CONFIG turns into its refusal reason.

A config is a flat JSON object of at most a few hundred bytes (every field at its longest,
indented: 538). `load()` refuses, before parsing anything into objects, a file of more than
MAX_BYTES, one that nests an object or array, or one with more than MAX_KEYS keys: parsing
a large valid JSON file runs a device-sized heap out of memory at boot.
"""

import json
import os

PATH = "config.json"
MAX_BYTES = 2560  # about five times the largest valid config: room for a newer firmware's
MAX_KEYS = 48  # three times the fields: a newer firmware's fields load, a flood does not

# name: (default, kind, low, high); kind is "int", "bool" or a tuple of allowed strings.
# The coach's fields fit the session header too (one byte each but baseline_s), which
# records them in every session (footfall_core/header.py).
FIELDS = {
    "target_spm": (170, "int", 60, 240),  # with auto_target off: cue below this ...
    "tolerance_spm": (3, "int", 0, 30),  # ... minus this
    "below_s": (10, "int", 1, 255),  # for this long
    "min_gap_s": (10, "int", 0, 255),  # at most one cue per this many seconds
    "rearm_s": (5, "int", 0, 255),  # back in the zone this long before the next cue
    "auto_target": (True, "bool", 0, 0),  # target = own baseline + 7.5 % (else target_spm)
    "baseline_s": (120, "int", 10, 1800),  # running time the baseline is taken from
    # footfall_core.header.PLACEMENTS, written out: importing header here would cost the
    # config's boot-time load on a small heap more than the file itself (test_config.py)
    "placement": ("waist", ("waist", "shoe"), 0, 0),
    "rate_hz": (100, "int", 25, 400),
    "auto_start": (True, "bool", 0, 0),  # sessions start and stop with running
    "start_spm": (135, "int", 60, 240),  # auto-start: cadence above this ...
    "start_s": (10, "int", 1, 600),  # ... for this long
    "stop_s": (60, "int", 5, 3600),  # auto-stop: no running for this long
    "live": (False, "bool", 0, 0),  # BLE live cadence during a run
    "raw_capture_s": (60, "int", 1, 600),  # length of a raw-sample capture
    # how the runner is coached: cues when slow, or a metronome at the target (always, or
    # only while slow)
    # (or "impact": cue when the peak impact stays over a limit, footfall_core/impact.py)
    "coach": ("cues", ("cues", "metronome", "metronome-when-slow", "impact"), 0, 0),
    "repeat_s": (30, "int", 0, 600),  # while still slow, cue again this often (0: once)
    "beat_steps": (1, "int", 1, 2),  # metronome: a beat every step, or every other step
    "beat_out": ("both", ("both", "buzzer", "motor"), 0, 0),  # where the metronome beats
    "impact_limit_mg": (0, "int", 0, 16000),  # impact mode: the limit (0: from own baseline,
    "impact_drop_pct": (20, "int", 5, 50),  # ... this far below its typical peak)
    # feedback faded session by session, the target raised week by week (both, or neither)
    "programme": ("off", ("off", "fade", "progressive", "fade-progressive"), 0, 0),
}


# The coach's settings: the same names in the config, CoachConfig and the session header.
# (The header's version 3 fields, coach .. programme, come from footfall_fw/progress.py.)
COACH_FIELDS = (
    "target_spm",
    "tolerance_spm",
    "below_s",
    "min_gap_s",
    "rearm_s",
    "auto_target",
    "baseline_s",
)


def coach_fields(values):
    """The coach's settings out of a config, as keyword arguments."""
    return {name: values[name] for name in COACH_FIELDS}


def defaults():
    """A fresh dict of every field at its default."""
    return {name: spec[0] for name, spec in FIELDS.items()}


def check(name, value):
    """Return value if it is valid for field `name`; else raise ValueError naming the field."""
    if name not in FIELDS:
        raise ValueError(f"config: unknown field {name!r}")
    kind, low, high = FIELDS[name][1:]
    if kind == "bool":
        if value is not True and value is not False:
            raise ValueError(f"config: {name} must be true or false")
    elif kind == "int":
        if type(value) is not int or not low <= value <= high:
            raise ValueError(f"config: {name} must be an integer from {low} to {high}")
        if name == "impact_limit_mg" and 0 < value < 1000:  # below 1 g every running step
            raise ValueError("config: impact_limit_mg must be 0 (own baseline) or 1000 to 16000")
    elif value not in kind:
        raise ValueError("config: " + name + " must be one of " + ", ".join(kind))
    return value


def validate(values):
    """Return a complete config: defaults updated with `values`, every field checked."""
    cfg = defaults()
    for name in values:
        cfg[name] = check(name, values[name])
    return cfg


def _shape_problem(text):
    """Why text cannot be a flat object of at most MAX_KEYS keys, or None; counts outside
    strings, so it costs no object per byte (json would build every nested value)."""
    depth = keys = 0
    in_str = escaped = False
    for c in text:
        if in_str:
            if escaped:
                escaped = False
            elif c == 0x5C:  # backslash
                escaped = True
            elif c == 0x22:  # quote
                in_str = False
        elif c == 0x22:
            in_str = True
        elif c == 0x7B or c == 0x5B:  # { [
            depth += 1
            if depth > 1:
                return "nests objects or arrays"
        elif c == 0x7D or c == 0x5D:
            depth -= 1
        elif c == 0x3A and depth == 1:  # a key's colon
            keys += 1
            if keys > MAX_KEYS:
                return f"has more than {MAX_KEYS} keys"
    return None


def _read(path):
    """The file's bytes; ValueError saying why when it is too large or the wrong shape."""
    size = os.stat(path)[6]
    if size > MAX_BYTES:
        raise ValueError(f"{size} bytes, more than {MAX_BYTES}")
    with open(path, "rb") as f:
        text = f.read(MAX_BYTES + 1)  # the file may have grown since the stat
    if len(text) > MAX_BYTES:
        raise ValueError(f"more than {MAX_BYTES} bytes")
    problem = _shape_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


def load(path=PATH):
    """Return (config, problems): defaults when the file is missing, corrupt, too large or
    nested (see the module's docstring), never raising."""
    cfg = defaults()
    try:
        text = _read(path)
    except OSError:
        return cfg, []  # no file yet: the defaults are the config
    except ValueError as exc:
        return cfg, [f"config: {path} is refused ({exc}); using defaults"]
    try:
        values = json.loads(text)
    except ValueError as exc:
        return cfg, [f"config: {path} is corrupt ({exc}); using defaults"]
    if not isinstance(values, dict):
        return cfg, [f"config: {path} is not a JSON object; using defaults"]
    problems = []
    for name in values:
        try:
            cfg[name] = check(name, values[name])
        except ValueError as exc:
            problems.append(f"{exc}; keeping {cfg.get(name)!r}")
    return cfg, problems


def save(values, path=PATH):
    """Validate and write atomically (temp file + rename), so a power cut leaves old or new."""
    cfg = validate(values)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(cfg, f)
    try:
        os.rename(tmp, path)
    except OSError:  # file systems whose rename will not replace (FAT): remove first
        os.remove(path)
        os.rename(tmp, path)
    return cfg
