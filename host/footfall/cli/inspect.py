"""`footfall inspect SESSION_FILE [--json]`: decode a session file and say what it drops.

With --json, one object: file, clock_set (false: the start time is an unset device clock),
rate_mhz (the measured sample rate), steps, valid_records, valid_bytes (header and kept
records), discarded_bytes, skipped ([offset, bytes, reason] of each place dropped: "damaged"
bytes, or an intact record breaking a rule of footfall_core.reader), import (null, or why
`footfall sync` refuses the file), duration_ms, cues, end (reason or null), header (dict,
clock_set again), events ([t_ms, kind, value]) and gaps ([at_ms, lost_ms, lost_samples]:
samples lost to FIFO overflow). A missing file, one that is not a regular file, or a corrupt
header is a one-line `footfall: FILE: ...` error, exit status 2. The file is only read: the
device's repair (or the store's import) is what drops the damage.
"""

import argparse
import json
from datetime import UTC, datetime

from footfall.errors import RecordError
from footfall.records import EVENT_KINDS, End, Event, Header, Session, StepBlock, Summary
from footfall.source import read_session_file

SHOWN = 10  # places dropped listed one by one in the text report


def report(session: Session, file: str) -> dict[str, object]:
    """The --json object for one decoded session."""
    events = session.of_type(Event)
    end = session.end
    return {
        "file": file,
        "clock_set": session.header.clock_set,
        "rate_mhz": session.header.rate_mhz,
        "steps": session.steps,
        "valid_records": len(session.records),
        "valid_bytes": session.valid_bytes,
        "discarded_bytes": session.discarded_bytes,
        "skipped": [k.to_json() for k in session.skips],
        "import": refusal(session),
        "duration_ms": session.duration_ms,
        "cues": sum(1 for e in events if e.kind_name == "cue"),
        "end": end.reason_name if end is not None else None,
        "header": session.header.to_json(),
        "events": [[e.elapsed_ms, EVENT_KINDS.get(e.kind, e.kind), e.value] for e in events],
        "gaps": [[g.at_ms, g.lost_ms, g.lost_samples] for g in session.gaps],
    }


def refusal(session: Session) -> str | None:
    """Why the store refuses this session, or None (damage alone is dropped, not refused)."""
    broken = session.broken
    if not broken:
        return None
    more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
    return f"refused: {broken[0].describe()}{more}"


def _skips(session: Session) -> list[str]:
    skips = session.skips
    if not skips:
        return ["  repair: none needed"]
    lines = [
        f"  repair: {session.discarded_bytes} bytes dropped in {len(skips)} place(s), every "
        f"other record kept:"
    ]
    lines += [f"    {k.describe()}" for k in skips[:SHOWN]]
    if len(skips) > SHOWN:
        lines.append(f"    ... and {len(skips) - SHOWN} more")
    why = refusal(session)
    if why is not None:
        lines.append(f"  import: {why}")
    return lines


def coach_lines(h: Header) -> list[str]:
    """The coach mode and programme lines of a version 3 header (none before it)."""
    if h.version < 3:
        return []
    mode = f"  mode {h.coach}, repeat every {h.repeat_s} s" if h.repeat_s else f"  mode {h.coach}"
    if h.coach.startswith("metronome"):
        mode += f", a beat every {h.beat_steps} step(s) on {h.beat_out}"
    if h.coach == "impact":
        limit = f"{h.impact_limit_mg} mg" if h.impact_limit_mg else "own baseline"
        if not h.impact_limit_mg:
            limit += f" - {h.impact_drop_pct}%"
        mode += f", impact limit {limit}"
    lines = [mode]
    if h.programme != "off":
        base = f"{h.baseline_spm} spm" if h.baseline_spm else "being learned"
        lines.append(
            f"  programme {h.programme}: session {h.programme_session}, feedback "
            f"{h.feedback_pct}% of the time, target raise +{h.raise_pct10 / 10:.1f}% "
            f"(baseline {base})"
        )
    return lines


def _text(session: Session, file: str) -> str:
    h = session.header
    start = datetime.fromtimestamp(h.start_s, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if not h.clock_set:
        start += " (clock not set on the device: not the real start; sync re-bases it)"
    gaps = session.gaps
    minutes, seconds = divmod(session.duration_ms // 1000, 60)
    end = session.end
    n_cues = sum(1 for e in session.of_type(Event) if e.kind_name == "cue")
    lines = [
        f"{file}: session {h.session_id} from device {h.device_id.hex()}, "
        f"firmware {'.'.join(map(str, h.fw))}",
        f"  start {start}",
        f"  {h.rate_hz} Hz nominal, {h.rate_mhz / 1000:.3f} Hz measured, worn at the "
        f"{h.placement}",
        f"  coach: target {h.target_spm} spm +/- {h.tolerance_spm}, cue after {h.below_s} s "
        f"below, gap {h.min_gap_s} s, rearm {h.rearm_s} s, "
        f"auto-target {'on' if h.auto_target else 'off'} (baseline {h.baseline_s} s)",
        *coach_lines(h),
        f"  {session.steps} steps over {minutes}:{seconds:02d} (min:s), {n_cues} cues",
        f"  records: {len(session.records)} valid ({len(session.of_type(StepBlock))} step blocks,"
        f" {len(session.of_type(Summary))} summaries, {len(session.of_type(Event))} events, "
        f"end: {end.reason_name if isinstance(end, End) else 'missing'})",
    ]
    if gaps:
        lost = sum(g.lost_ms for g in gaps)
        lines.append(
            f"  gaps: {len(gaps)} FIFO overflows lost {sum(g.lost_samples for g in gaps)} "
            f"samples ({lost} ms; step times include them), first at {gaps[0].at_ms} ms"
        )
    lines += _skips(session)
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="decode a session file: header, counts, and any repair it needs",
        description="Decode a footfall session file written by the device or `footfall sim`.",
    )
    parser.add_argument("file", metavar="SESSION_FILE", help="a session file (*.ffs)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    raw = read_session_file(args.file)
    try:
        session = Session.from_bytes(raw)
    except RecordError as exc:
        raise RecordError(f"{args.file}: corrupt header: {exc}") from None
    if args.json:
        print(json.dumps(report(session, args.file), separators=(",", ":")))
    else:
        print(_text(session, args.file))
    return 0
