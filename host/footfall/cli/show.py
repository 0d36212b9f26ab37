"""`footfall show ID [--json] [--store PATH]`: one session's cadence, cues, fatigue and impact.

With --json, one object: the fields of footfall.analysis.SessionSummary (units in the
names; cues as a list of {t_ms, cadence_spm, recovery_s}): `id` is the store's id,
`session_id` the device's session number, and `start` (ISO 8601) and `start_s` are null
when the device's clock was never set; `coaching` is the session header's coach mode and
programme stage (footfall.records.V3_FIELDS), null for files before header version 3. An
empty store, an unknown id,
a session with no running or a corrupt row is a one-line `footfall: ...` error, exit 2.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from footfall import source
from footfall.analysis import SessionSummary, summarise
from footfall.cli.args import add_store_argument
from footfall.cli.inspect import coach_lines
from footfall.records import V3_FIELDS, Header


def _min_s(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def text(s: SessionSummary) -> str:
    start = (
        datetime.fromtimestamp(s.start_s, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if s.clock_set
        else "date unknown (the device's clock was not set)"
    )
    zone = "no target" if s.in_zone_pct is None else f"{s.in_zone_pct:.0f}%"
    lines = [
        f"session {s.session_id} (device {s.device}), {start}",
        f"  duration {_min_s(s.duration_s)}, running {_min_s(s.running_s)}, {s.steps} steps "
        f"({s.running_steps} running)",
        f"  cadence {s.cadence_mean_spm:.1f} spm mean, {s.cadence_median_spm:.0f} median, "
        f"p10-p90 {s.cadence_p10_spm:.0f}-{s.cadence_p90_spm:.0f}",
        f"  target {s.target_spm} spm (zone >= {s.threshold_spm}): in the zone {zone} of the "
        f"running time",
        f"  fatigue: {s.cadence_first_third_spm:.0f} spm in the first third, "
        f"{s.cadence_last_third_spm:.0f} in the last ({s.cadence_drift_spm:+.0f} spm)",
        f"  cues: {len(s.cues)}",
    ]
    for c in s.cues:
        back = "not back in the zone" if c.recovery_s is None else f"back in {c.recovery_s:.0f} s"
        lines.append(f"    at {_min_s(c.t_ms / 1000)} ({c.cadence_spm} spm): {back}")
    lines.append(
        f"  peak impact {s.impact_median_g:.1f} g median, {s.impact_p95_g:.1f} g p95, "
        f"{s.impact_max_g:.1f} g max; load {s.impact_load_g:.0f} g (the steps' peaks summed)"
    )
    if s.impact_slope_g_per_spm is None:
        lines.append("  impact vs cadence: too little cadence spread to tell")
    else:
        lines.append(
            f"  impact vs cadence: {s.impact_slope_g_per_spm * 1000:+.1f} mg per +1 spm "
            f"({s.impact_slope_g_per_spm * 10000:+.0f} mg per +10 spm; robust fit over "
            f"{s.impact_fit_bins} cadences)"
        )
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "show",
        help="one session: cadence, time in zone, cues, fatigue drift, impact",
        description="Summarise one stored session for an analyst.",
    )
    parser.add_argument("id", metavar="ID", help="session id, a unique prefix of one, or latest")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_argument(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    with source.open_store(args.store) as store:
        row = source.resolve(store, args.id)
        summary = summarise(source.load(store, row.id))
        header = Header.from_bytes(store.raw(row.id))
    if args.json:
        out = summary.to_json()
        coaching = {name: getattr(header, name) for name in V3_FIELDS}
        out["coaching"] = coaching if header.version >= 3 else None
        print(json.dumps(out, separators=(",", ":")))
    else:
        print("\n".join([text(summary), *coach_lines(header)]))
    return 0
