"""Synthetic running and walking accelerometer recordings with known step times.

A reproducible stand-in for real recordings (tests, the demo, cadence sweeps). Everything is
drawn from one seeded `numpy.random.Generator`, so a seed and the arguments give the same
samples on every machine.

Model (body frame x forward, y left, z up; acceleration as an accelerometer reports it,
i.e. specific force in g, so standing still reads (0, 0, +1)):

- A recording is a list of segments: `Segment(kind, duration_s, start_spm, end_spm)` with
  kind "run", "walk" or "idle"; within a segment the cadence moves linearly from start_spm
  to end_spm (the cadence profile). Idle segments stand still: gravity, a slow 0.3 Hz sway
  of about 10 mg, and noise; they have no steps.
- Steps: each step lasts 60 / cadence(t) seconds times (1 + N(0, step_jitter)); feet
  alternate left/right. The true step time is the foot contact.
- Waist running: a flight phase (specific force ~0 g) and a stance phase lasting
  `contact_frac` of the step, in which the vertical force is a half-sine "active peak"
  plus a short impact transient (a 30 ms half-sine) at contact. The impact height varies
  per step (log-normal, sigma `impact_var`) with a small left/right asymmetry, and a harder
  landing shortens the stance (contact_frac / height**0.3). The half-sine
  height is chosen so that the vertical force averages exactly 1 g over each step, as
  momentum demands. Fore-aft: braking then propulsion during stance (one sine period of
  `fore_aft_g`); lateral: a half-sine sway whose sign alternates with the foot.
- Waist walking: no flight; vertical 1 g + a cosine of `walk_g` peaking just after contact
  plus a small heel-strike transient; fore-aft and lateral as in running, smaller.
- Shoe (placement "shoe"): the sensor rides on the left foot, so the strong pattern repeats
  once per stride (two steps). Own contact: a sharp impact (`shoe_impact_g`, 20 ms) then a
  still stance (gravity only) for `shoe_stance_frac` of the stride; then the swing: toe-off
  push, forward acceleration then deceleration (one sine period of `shoe_swing_g`
  fore-aft) and a lift-and-lower vertical pattern. The other foot's contact, half a stride
  later, reaches the shoe only as a faint bump. True steps are both feet's contacts.
- The body-frame signal is turned by one fixed random rotation (uniform over all
  orientations, drawn from the seed) to model how the sensor sits; Gaussian white noise of
  `noise_mg` per axis is added; values are rounded to integer milli-g and clipped to
  +/-16 g (the sensor's range, int16).

This is a plausible shape, not a biomechanical simulation: it is for exercising the
detector's timing, cadence tracking and robustness to orientation and noise. Accuracy
figures come from the real recordings.

Regenerate the bundled demo run: `python -m footfall.cli.synth --out tests/data/synthetic_run.csv`
"""

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from footfall_core.header import PLACEMENTS

KINDS = ("run", "walk", "idle")
FULL_SCALE_MG = 16000
DEMO_SEED = 20261122


@dataclass(frozen=True)
class Segment:
    kind: str  # "run", "walk" or "idle"
    duration_s: float
    start_spm: float = 0.0
    end_spm: float | None = None  # None: same as start_spm

    def spm_at(self, frac: np.ndarray | float) -> np.ndarray | float:
        end = self.start_spm if self.end_spm is None else self.end_spm
        return self.start_spm + (end - self.start_spm) * frac


@dataclass(frozen=True)
class Params:
    """Shape parameters (g unless named otherwise); defaults are typical, not one runner."""

    noise_mg: float = 15.0
    step_jitter: float = 0.015  # relative sd of step duration
    impact_g: float = 1.6  # waist running impact transient above the active peak
    impact_var: float = 0.18  # log-normal sd of impact height
    asymmetry: float = 0.06  # left/right impact difference (relative)
    contact_frac: float = 0.62  # stance share of a running step at the waist
    fore_aft_g: float = 0.5
    lateral_g: float = 0.25
    walk_g: float = 0.35
    shoe_impact_g: float = 6.0
    shoe_stance_frac: float = 0.35  # running; walking uses 0.6
    shoe_swing_g: float = 2.5


class Recording(NamedTuple):
    t_ms: np.ndarray  # int64, from 0
    ax: np.ndarray  # int16 milli-g, sensor axes
    ay: np.ndarray
    az: np.ndarray
    steps_ms: np.ndarray  # int64 true foot contacts (both feet)


def demo_segments() -> list[Segment]:
    """About 7 minutes: stand, walk, run at 170-173 spm sagging to ~155 and back, walk, stand."""
    return [
        Segment("idle", 5),
        Segment("walk", 15, 112, 116),
        Segment("run", 20, 168, 171),
        Segment("run", 100, 170, 173),
        Segment("run", 40, 172, 166),
        Segment("run", 25, 166, 155),
        Segment("run", 60, 155, 157),
        Segment("run", 25, 157, 171),
        Segment("run", 105, 171, 174),
        Segment("walk", 12, 118, 112),
        Segment("idle", 5),
    ]


def synthesize(
    segments: list[Segment],
    rate_hz: int = 100,
    placement: str = "waist",
    seed: int = 0,
    params: Params | None = None,
) -> Recording:
    """Generate a recording; see the module docstring for the model."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be 'waist' or 'shoe', got {placement!r}")
    if not 10 <= rate_hz <= 1000:
        raise ValueError(f"rate_hz must be 10..1000, got {rate_hz}")
    for seg in segments:
        if seg.kind not in KINDS:
            raise ValueError(f"segment kind must be one of {KINDS}, got {seg.kind!r}")
        if seg.kind != "idle" and not 30 <= min(seg.spm_at(0.0), seg.spm_at(1.0)):
            raise ValueError(f"{seg.kind} segment needs a cadence >= 30 spm, got {seg}")
    p = params or Params()
    rng = np.random.default_rng(seed)
    rotation = _random_rotation(rng)
    parts, steps, t0_s = [], [], 0.0
    for seg in segments:
        n = int(round(seg.duration_s * rate_hz))
        t_s = t0_s + np.arange(n) / rate_hz
        if seg.kind == "idle":
            acc, seg_steps = _idle(t_s, rng), np.empty(0)
        else:
            bounds = _step_bounds(seg, t0_s, p, rng)
            acc, seg_steps = _gait(seg.kind, placement, t_s, bounds, p, rng)
        parts.append(acc)
        steps.append(seg_steps)
        t0_s += n / rate_hz
    body = np.concatenate(parts) if parts else np.zeros((0, 3))
    acc_mg = body @ rotation.T * 1000.0 + rng.normal(0.0, p.noise_mg, body.shape)
    acc_mg = np.clip(np.rint(acc_mg), -FULL_SCALE_MG, FULL_SCALE_MG).astype(np.int16)
    t_ms = np.rint(np.arange(len(acc_mg)) * 1000.0 / rate_hz).astype(np.int64)
    steps_ms = np.rint(np.concatenate(steps) * 1000.0).astype(np.int64) if steps else t_ms[:0]
    return Recording(t_ms, acc_mg[:, 0], acc_mg[:, 1], acc_mg[:, 2], steps_ms)


def _random_rotation(rng: np.random.Generator) -> np.ndarray:
    # QR of a Gaussian matrix, signs fixed, gives a rotation uniform over SO(3).
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


def _step_bounds(seg: Segment, t0_s: float, p: Params, rng: np.random.Generator) -> np.ndarray:
    """Foot contacts within the segment plus the end of the last step's cycle."""
    out = []
    t = t0_s + rng.uniform(0.05, 0.3)
    end = t0_s + seg.duration_s
    while True:
        period = 60.0 / float(seg.spm_at((t - t0_s) / seg.duration_s))
        period *= 1.0 + rng.normal(0.0, p.step_jitter)
        out.append(t)
        if t + period > end:  # keep only whole steps: every contact has its full cycle
            break
        t += period
    return np.asarray(out)


def _idle(t_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sway = 0.01 * np.sin(2 * np.pi * 0.3 * t_s + rng.uniform(0, 2 * np.pi))
    acc = np.zeros((len(t_s), 3))
    acc[:, 0] = sway
    acc[:, 2] = 1.0
    return acc


def _cycles(t_s: np.ndarray, contacts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per sample: index of the cycle it lies in, seconds since its start, cycle length.

    Index -1 marks samples before the first or after the last whole cycle.
    """
    k = np.searchsorted(contacts, t_s, side="right") - 1
    valid = (k >= 0) & (k < len(contacts) - 1)
    kc = np.clip(k, 0, max(len(contacts) - 2, 0))
    start = contacts[kc] if len(contacts) else np.zeros_like(t_s)
    length = (contacts[kc + 1] - start) if len(contacts) > 1 else np.ones_like(t_s)
    return np.where(valid, k, -1), t_s - start, length


def _gait(
    kind: str,
    placement: str,
    t_s: np.ndarray,
    bounds: np.ndarray,
    p: Params,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Body-frame signal and the true steps; bounds = contacts + end of the last cycle."""
    acc = np.zeros((len(t_s), 3))
    acc[:, 2] = 1.0  # samples outside whole cycles stand still
    if placement == "shoe" and len(bounds) % 2 == 0:
        bounds = bounds[:-1]  # whole strides only: an even number of steps
    if len(bounds) < 3:
        return acc, bounds[:0]
    heights = rng.lognormal(0.0, p.impact_var, len(bounds))
    heights *= np.where(np.arange(len(bounds)) % 2 == 0, 1 + p.asymmetry, 1 - p.asymmetry)
    if placement == "shoe":
        _shoe(kind, acc, t_s, bounds, heights, p)
    else:
        _waist(kind, acc, t_s, bounds, heights, p)
    return acc, bounds[:-1]


def _pulse(tau_s: np.ndarray, width_s: float) -> np.ndarray:
    """A half-sine bump of height 1 lasting width_s from tau_s = 0."""
    inside = (tau_s >= 0) & (tau_s < width_s)
    return np.where(inside, np.sin(np.pi * np.clip(tau_s / width_s, 0, 1)), 0.0)


def _waist(
    kind: str, acc: np.ndarray, t_s: np.ndarray, steps: np.ndarray, heights: np.ndarray, p: Params
) -> None:
    k, tau, length = _cycles(t_s, steps)
    on = k >= 0
    h = heights[np.clip(k, 0, None)]
    side = np.where(k % 2 == 0, 1.0, -1.0)
    phase = tau / length
    if kind == "run":
        # A harder landing comes with a shorter, peakier stance.
        contact = p.contact_frac * h**-0.3
        stance = phase < contact
        s = np.clip(phase / contact, 0, 1)
        impact_w = 0.03
        impact = p.impact_g * h * _pulse(tau, impact_w)
        # Mean vertical force over the step must be 1 g: solve for the active-peak height.
        impulse = p.impact_g * h * impact_w * 2 / np.pi
        peak = (length - impulse) / (length * contact * 2 / np.pi)
        vert = np.where(stance, peak * np.sin(np.pi * s), 0.0) + impact
        fore = np.where(stance, -p.fore_aft_g * np.sin(2 * np.pi * s), 0.0)
        lat = np.where(stance, side * p.lateral_g * np.sin(np.pi * s), 0.0)
    else:
        # Cosine plus heel strike, less the strike's mean so the step averages 1 g.
        vert = 1.0 + p.walk_g * np.cos(2 * np.pi * (phase - 0.08))
        vert += 0.3 * h * (_pulse(tau, 0.025) - 0.025 * 2 / np.pi / length)
        fore = -0.6 * p.fore_aft_g * np.sin(2 * np.pi * phase)
        lat = side * 0.6 * p.lateral_g * np.sin(np.pi * phase)
    acc[on, 0] = fore[on]
    acc[on, 1] = lat[on]
    acc[on, 2] = vert[on]


def _shoe(
    kind: str, acc: np.ndarray, t_s: np.ndarray, steps: np.ndarray, heights: np.ndarray, p: Params
) -> None:
    own = steps[0::2]  # the sensor's (left) foot
    k, tau, length = _cycles(t_s, own)
    on = k >= 0
    h = heights[0::2][np.clip(k, 0, None)]
    u = tau / length  # phase within the stride
    stance_frac = p.shoe_stance_frac if kind == "run" else 0.6
    impact_g = p.shoe_impact_g if kind == "run" else 0.4 * p.shoe_impact_g
    swing_g = p.shoe_swing_g if kind == "run" else 0.5 * p.shoe_swing_g
    swing = u >= stance_frac
    w = np.clip((u - stance_frac) / (1 - stance_frac), 0, 1)
    impact_w = 0.02  # seconds; the shoe and mount smooth the strike over a few ms
    toe_off = 0.4 * swing_g * _pulse(u - stance_frac, 0.12)
    other = 0.15 * _pulse(u - 0.5, 0.03)  # the other foot's contact, felt faintly
    # The foot starts and ends each stride at rest, so each axis averages to gravity over
    # the stride: the swing gives back the pulses' areas (in stride fractions).
    vert_area = (impact_g * h * impact_w / length + 0.15 * 0.03) * 2 / np.pi
    fore_area = 0.4 * swing_g * 0.12 * 2 / np.pi
    give_back = np.where(swing, 1.0 / (1 - stance_frac), 0.0)
    fore = np.where(swing, swing_g * np.sin(2 * np.pi * w), 0.0) + toe_off
    vert = 1.0 + impact_g * h * _pulse(tau, impact_w) + other
    vert += np.where(swing, 0.5 * swing_g * np.sin(2 * np.pi * w + np.pi / 4), 0.0)
    acc[on, 0] = (fore - fore_area * give_back)[on]
    acc[on, 1] = 0.1 * np.sin(2 * np.pi * u)[on]
    acc[on, 2] = (vert - vert_area * give_back)[on]


def write_csv(rec: Recording, path: Path) -> Path:
    """Write `t_ms,ax,ay,az` and the true steps beside it as `<stem>.steps.csv`."""
    table = np.column_stack([rec.t_ms, rec.ax, rec.ay, rec.az]).astype(np.int64)
    np.savetxt(path, table, fmt="%d", delimiter=",", header="t_ms,ax,ay,az", comments="")
    steps_path = path.with_name(path.stem + ".steps.csv")
    np.savetxt(steps_path, rec.steps_ms, fmt="%d", header="t_ms", comments="")
    return steps_path
