"""`footfall trends [--weeks N] [--json] [--out FILE.html|FILE.png|- [--format html|png]]
[--store PATH]`: weekly training load and its flags.

With --json, one object: `weeks` (footfall.trends.Week fields), `cadence_trend_spm_per_week`
and `sessions_without_running`. Text marks a flagged week with `!` and says why.
`--out` draws the weeks instead (running time, steps, impact load with flagged weeks in red,
cadence against target) as a PNG or a self-contained HTML page, as `footfall report` does:
`--format` wins over the suffix, `--out -` writes to stdout and needs --format; it prints the
path written, or with --json one object: format, out.
"""

from __future__ import annotations

import argparse
import json

from footfall import source
from footfall.analysis import SessionSummary, summarise
from footfall.cli.args import add_figure_format, add_store_argument, check_stdout, emit_figure
from footfall.errors import AnalysisError, UsageError
from footfall.store import Store
from footfall.trends import ACWR_HIGH, ACWR_LOW, LOAD_JUMP_PCT, Trends, Week, weekly


def summarise_store(store: Store) -> tuple[list[SessionSummary], int, int]:
    """Every dated session with running summarised, how many had none, and how many were
    left out because their start is an unset device clock (footfall sessions: "unset")."""
    out, without, undated = [], 0, 0
    for data in source.load_all(store):
        if not data.clock_set:
            undated += 1
            continue
        try:
            out.append(summarise(data))
        except AnalysisError:
            without += 1
    return out, without, undated


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def _why(w: Week) -> str:
    why = []
    if w.load_jump:
        why.append(f"load +{w.load_change_pct:.0f}% (> {LOAD_JUMP_PCT:.0f}%)")
    if w.acwr_flag:
        why.append(f"acute:chronic {w.acwr:.2f} outside {ACWR_LOW}-{ACWR_HIGH}")
    flagged = "  ! " + "; ".join(why) if why else ""
    return flagged + ("  (week in progress)" if w.in_progress else "")


def text(t: Trends) -> str:
    lines = ["week      sessions  running  steps    load (g)  change  A:C   cadence  target"]
    for w in t.weeks:
        change = "-" if w.load_change_pct is None else f"{w.load_change_pct:+.0f}%"
        lines.append(
            f"{w.week:<9} {w.sessions:>8}  {w.running_s / 3600:>5.1f} h  {w.steps:>7}  "
            f"{w.impact_load_g:>8.0f}  {change:>6}  {_fmt(w.acwr, '.2f'):>4}  "
            f"{_fmt(w.cadence_spm, '.0f'):>7}  {_fmt(w.target_spm, '.0f'):>6}{_why(w)}"
        )
    trend = t.cadence_trend_spm_per_week
    lines.append(
        "cadence trend: "
        + ("not enough weeks" if trend is None else f"{trend:+.1f} spm per week")
        + f"; {len(t.flagged())} week(s) flagged"
    )
    if t.sessions_without_running:
        lines.append(f"({t.sessions_without_running} session(s) without running not counted)")
    if t.sessions_undated:
        lines.append(
            f"({t.sessions_undated} session(s) recorded with the device's clock unset and not "
            "re-based at sync: no date, not counted; `footfall sessions` lists them)"
        )
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trends",
        help="weekly running time, steps and impact load; flags load spikes",
        description="Weekly training load across the store, with load-jump and "
        "acute:chronic flags and the cadence trend against target.",
    )
    parser.add_argument("--weeks", type=int, metavar="N", help="show the last N weeks only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--out", metavar="FILE", help="draw the weeks: FILE.png, FILE.html or - (stdout)"
    )
    add_figure_format(parser)
    add_store_argument(parser)
    parser.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if args.weeks is not None and args.weeks < 1:
        raise UsageError(f"--weeks must be at least 1, got {args.weeks}")
    check_out(args)
    with source.open_store(args.store) as store:
        summaries, without, undated = summarise_store(store)
    trends = weekly(summaries, args.weeks, without, undated=undated)
    if args.out is not None:
        return draw(trends, args)
    if args.json:
        print(json.dumps(trends.to_json(), separators=(",", ":")))
    else:
        print(text(trends))
    return 0


def check_out(args: argparse.Namespace) -> None:
    """The --out/--format rules `footfall report` has, checked before the store is read."""
    if args.out is None:
        if args.format is not None:
            raise UsageError("--format needs --out FILE (what to draw the weeks into)")
        return
    check_stdout(args.out, args.json, args.format, drawn=True)


def draw(trends: Trends, args: argparse.Namespace) -> int:
    from footfall import report  # with its figures' code, only when the weeks are drawn

    return emit_figure(
        args.out,
        args.format,
        args.json,
        lambda fmt: report.render_trends(trends, text(trends), fmt),
        lambda: report.write_trends(trends, text(trends), args.out, args.format),
    )
