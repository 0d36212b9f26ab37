"""Session report (matplotlib): the runner's page first, the analyst's figures below it.

The runner's part: a title with the session's date and time in the local time zone (the
system's, `TZ` respected; the store keeps UTC), one plain-language paragraph (time in the
zone, when and why it buzzed, how cadence held up late in the run against early), and the
cadence figure: time below the zone shaded, the zone drawn one-sided from target - tolerance
up (the coach has no upper limit), and the cues. The analyst's part: the summary text, peak
impact over time, the impact histogram, and impact against cadence with the robust fit.
`write(data, summary, text, path, fmt)` writes a PNG (the four panels in one image, titled
with the paragraph) or one self-contained HTML page readable on a phone (viewport meta,
images at most the screen's width, text that wraps; each figure embedded as a base64 PNG,
nothing linked): `fmt` when given, else the path's suffix says which. `render` gives the same
bytes, for stdout. `write_trends` and `render_trends` draw the weeks of footfall.trends the
same way (footfall trends --out). Figures are built with matplotlib.figure.Figure, so no GUI
backend or pyplot state is involved.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from footfall.analysis import (
    SessionData,
    SessionSummary,
    below_spans,
    impact_by_cadence,
    impact_fit,
)
from footfall.errors import OutputError, os_failure
from footfall.trends import Trends, Week

if TYPE_CHECKING:  # matplotlib loads where a figure is drawn, not with every command
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _new_figure(figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, dpi=DPI, layout="constrained")


DPI = 100
ROLLING_STEPS = 31  # the impact trace's running mean window
TARGET_COLOUR, CUE_COLOUR, STEP_COLOUR = "#2ca02c", "#d62728", "#1f77b4"
BELOW_COLOUR = "#ff7f0e"
HELD_SPM = 2  # late vs early median cadence within this: "held up"
MAX_CUES_LISTED = 6  # the paragraph lists this many cue times, then counts the rest
FORMATS = (".png", ".html")


def _running(data: SessionData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(minutes, cadence spm, impact g) of the running steps with a cadence."""
    use = (data.running_dt_ms() > 0) & (data.cadence_spm > 0)
    return data.t_ms[use] / 60000, data.cadence_spm[use], data.peak_mg[use] / 1000


def cadence_panel(ax: Axes, data: SessionData, summary: SessionSummary) -> None:
    minutes, cad, _ = _running(data)
    ax.plot(minutes, cad, ".", ms=2, color=STEP_COLOUR, label="cadence (running steps)")
    if summary.target_spm:
        low = min(float(cad.min()), summary.threshold_spm) - 5
        high = max(float(cad.max()), summary.target_spm) + 5
        # the coach cues below target - tolerance and has no upper limit: the zone is open
        ax.axhspan(summary.threshold_spm, high, color=TARGET_COLOUR, alpha=0.12,
                   label=f"zone: {summary.threshold_spm} spm and up")  # fmt: skip
        ax.axhline(summary.target_spm, color=TARGET_COLOUR, lw=1, label="target")
        ax.set_ylim(low, high)
    for i, (start_ms, end_ms) in enumerate(below_spans(data)):
        ax.axvspan(start_ms / 60000, end_ms / 60000, color=BELOW_COLOUR, alpha=0.25, lw=0,
                   label="below the zone" if i == 0 else None)  # fmt: skip
    for i, cue in enumerate(summary.cues):
        ax.axvline(cue.t_ms / 60000, color=CUE_COLOUR, lw=1, ls="--",
                   label="cue" if i == 0 else None)  # fmt: skip
    ax.set(title="Cadence over time", xlabel="time (min)", ylabel="cadence (steps/min)")
    # under the axes, so it never hides the steps
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize="small")


def local_start(summary: SessionSummary) -> datetime | None:
    """The session's start in the local time zone (the system's; `TZ` respected), or None
    when the device's clock was not set."""
    if not summary.clock_set:
        return None
    return datetime.fromtimestamp(summary.start_s, UTC).astimezone()


def title(summary: SessionSummary) -> str:
    """ "Run on Tuesday 12 January 2027 at 07:15 (CET)", or "Run, date unknown (...)"."""
    start = local_start(summary)
    if start is None:
        return "Run, date unknown (the sensor's clock was not set)"
    return (
        f"Run on {start.strftime('%A')} {start.day} {start.strftime('%B %Y')} "
        f"at {start.strftime('%H:%M')} ({start.tzname()})"
    )


def _clock(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _minutes(seconds: float) -> str:
    m = round(seconds / 60)
    return "under a minute" if m < 1 else f"{m} minute{'s' * (m != 1)}"


def _buzzes(summary: SessionSummary, coach: str) -> str:
    if coach == "impact":
        return _impact_buzzes(summary)
    if not summary.target_spm:
        return "There was no target, so it gave no cue to quicken you."
    if not summary.cues:
        return "It gave no cue to quicken you."
    n = len(summary.cues)
    shown = [_clock(c.t_ms / 1000) for c in summary.cues[:MAX_CUES_LISTED]]
    more = f" and {n - MAX_CUES_LISTED} more times" if n > MAX_CUES_LISTED else ""
    back = [c.recovery_s for c in summary.cues if c.recovery_s is not None]
    recovered = (
        f"; you were back in the zone within a median of {np.median(back):.0f} s"
        if back
        else "; you did not get back in the zone after it"
    )
    what = (
        f"It buzzed {n} time{'s' * (n != 1)} to quicken you"
        if coach == "cues"
        else f"The coach found you slow {n} time{'s' * (n != 1)} (the metronome beat, no buzz)"
    )
    return (
        f"{what}, each time because most of the recent running had been below "
        f"{summary.threshold_spm} steps/min: at {', '.join(shown)}{more} into the run{recovered}."
    )


def _impact_buzzes(summary: SessionSummary) -> str:
    """In impact mode a logged cue was a buzz to land softer: the cadence zone played no part."""
    if not summary.cues:
        return "It gave no cue to land softer."
    n = len(summary.cues)
    shown = [_clock(c.t_ms / 1000) for c in summary.cues[:MAX_CUES_LISTED]]
    more = f" and {n - MAX_CUES_LISTED} more times" if n > MAX_CUES_LISTED else ""
    return (
        f"It buzzed {n} time{'s' * (n != 1)} to soften your landing, each time because your "
        f"recent steps had landed harder than your impact limit: at {', '.join(shown)}{more} "
        "into the run."
    )


def _late(summary: SessionSummary) -> str:
    first, last = summary.cadence_first_third_spm, summary.cadence_last_third_spm
    drift = last - first
    if abs(drift) <= HELD_SPM:
        how = "held up"
    elif drift < 0:
        how = f"dropped by {-drift:.0f} steps/min"
    else:
        how = f"rose by {drift:.0f} steps/min"
    return (
        f"Late in the run your cadence {how}: a median of {last:.0f} steps/min in the last "
        f"third of your running against {first:.0f} in the first."
    )


def runner_summary(summary: SessionSummary, coach: str = "cues") -> str:
    """One plain-language paragraph for the runner; `coach` is the session's coach mode."""
    ran, total = _minutes(summary.running_s), _minutes(summary.duration_s)
    in_all = "" if ran == total else f" ({total} in all)"
    parts = [f"You ran for {ran}{in_all} and took {summary.steps:,} steps."]
    if summary.target_spm and summary.in_zone_pct is not None:
        parts.append(
            f"Your target was {summary.target_spm} steps/min, and you were in the zone "
            f"({summary.threshold_spm} or quicker) for {summary.in_zone_pct:.0f}% of your "
            "running time."
        )
    parts += [_buzzes(summary, coach), _late(summary)]
    return " ".join(parts)


def impact_time_panel(ax: Axes, data: SessionData) -> None:
    minutes, _, impact = _running(data)
    ax.plot(minutes, impact, ".", ms=2, color="#999999", label="each step")
    if len(impact) >= ROLLING_STEPS:  # a mean, not a median: impacts come in 100 mg steps
        mean = np.convolve(impact, np.ones(ROLLING_STEPS) / ROLLING_STEPS, mode="valid")
        half = ROLLING_STEPS // 2
        ax.plot(minutes[half:-half], mean, color=STEP_COLOUR,
                label=f"mean of {ROLLING_STEPS} steps")  # fmt: skip
    ax.set(title="Peak impact over time", xlabel="time (min)", ylabel="peak impact (g)")
    ax.legend(loc="upper left", fontsize="small")


def impact_hist_panel(ax: Axes, data: SessionData, summary: SessionSummary) -> None:
    _, _, impact = _running(data)
    # one bar per stored 100 mg step
    edges = np.arange(np.floor(impact.min() * 10) / 10, impact.max() + 0.2, 0.1) - 0.05
    ax.hist(impact, bins=edges.tolist(), color=STEP_COLOUR, label="running steps")
    for value, name, style in ((summary.impact_median_g, "median", "-"),
                               (summary.impact_p95_g, "p95", ":")):  # fmt: skip
        ax.axvline(value, color="black", lw=1, ls=style, label=f"{name} {value:.1f} g")
    ax.set(title="Impact histogram", xlabel="peak impact (g)", ylabel="steps")
    ax.legend(loc="upper right", fontsize="small")


def cadence_impact_panel(ax: Axes, data: SessionData) -> None:
    _, cad, impact = _running(data)
    ax.plot(cad, impact, ".", ms=2, color="#bbbbbb", label="each step")
    bins, means = impact_by_cadence(cad, impact)
    ax.plot(bins, means, "o", ms=4, color=STEP_COLOUR, label="mean per cadence")
    fit = impact_fit(bins, means)
    if fit is not None:
        slope, intercept = fit
        ax.plot(bins, intercept + slope * bins, color=CUE_COLOUR,
                label=f"fit: {slope * 1000:+.1f} mg per +1 spm")  # fmt: skip
    ax.set(title="Impact vs cadence", xlabel="cadence (steps/min)", ylabel="peak impact (g)")
    ax.legend(loc="upper right", fontsize="small")


def panels(data: SessionData, summary: SessionSummary) -> list[tuple[str, Figure]]:
    """Each panel in its own figure, titled, in report order."""
    out: list[tuple[str, Figure]] = []
    for name, draw in (
        ("Cadence over time", lambda ax: cadence_panel(ax, data, summary)),
        ("Peak impact over time", lambda ax: impact_time_panel(ax, data)),
        ("Impact histogram", lambda ax: impact_hist_panel(ax, data, summary)),
        ("Impact vs cadence", lambda ax: cadence_impact_panel(ax, data)),
    ):
        # the runner's figure, first, is narrower: it is read on a phone
        size = (4.8, 4) if not out else (8, 3.6)
        fig = _new_figure(size)
        draw(fig.add_subplot())
        out.append((name, fig))
    return out


def composite(data: SessionData, summary: SessionSummary) -> Figure:
    """The four panels in one figure (the PNG report)."""
    fig = _new_figure((14, 9))
    a, b, c, d = fig.subplots(2, 2).flat
    cadence_panel(a, data, summary)
    impact_time_panel(b, data)
    impact_hist_panel(c, data, summary)
    cadence_impact_panel(d, data)
    paragraph = textwrap.fill(runner_summary(summary, data.coach), 170)
    fig.suptitle(f"{title(summary)}\n{paragraph}", fontsize="medium")
    return fig


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


PAGE_STYLE = (
    "body{font-family:sans-serif;max-width:860px;margin:auto;padding:0 12px;"
    "line-height:1.45}img{max-width:100%;height:auto}figure{margin:1em 0}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85em}"
    "h1{font-size:1.4em}"
)


def _figure(name: str, fig: Figure) -> str:
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    name = html.escape(name)
    return (
        f'<figure><img alt="{name}" src="data:image/png;base64,{data}">'
        f"<figcaption>{name}</figcaption></figure>"
    )


def html_page(data: SessionData, summary: SessionSummary, text: str) -> str:
    (cad_name, cad_fig), *rest = panels(data, summary)
    analyst = "\n".join(_figure(name, fig) for name, fig in rest)
    head = html.escape(title(summary))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{head}</title><style>{PAGE_STYLE}</style></head>\n"
        f"<body><h1>{head}</h1>\n<p>{html.escape(runner_summary(summary, data.coach))}</p>\n"
        f"{_figure(cad_name, cad_fig)}\n"
        f"<h2>For the analyst</h2>\n<p>session {html.escape(summary.session_id)}</p>\n"
        f"<pre>{html.escape(text)}</pre>\n{analyst}\n</body></html>\n"
    )


def report_format(path: str | Path, fmt: str | None = None) -> str:
    """The report's format: `fmt` (png or html) when given, else the path's suffix."""
    if fmt is not None:
        if f".{fmt}" not in FORMATS:
            raise OutputError(f"the report is png or html, not {fmt!r}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise OutputError(
            f"{path}: the report is .png or .html, not {suffix or 'no suffix'!r} "
            "(or say which with --format)"
        )
    return suffix[1:]


def render(data: SessionData, summary: SessionSummary, text: str, fmt: str) -> bytes:
    """The report as bytes: a PNG, or the HTML page in UTF-8."""
    if fmt == "png":
        return png_bytes(composite(data, summary))
    return html_page(data, summary, text).encode("utf-8")


def _write(path: Path, body: bytes) -> Path:
    try:
        path.write_bytes(body)
    except OSError as e:
        raise os_failure(path, e) from None
    return path


def write(
    data: SessionData, summary: SessionSummary, text: str, path: str | Path, fmt: str | None = None
) -> Path:
    """Write the report as PNG or HTML: `fmt` when given, else chosen by the file's suffix."""
    path = Path(path)
    return _write(path, render(data, summary, text, report_format(path, fmt)))


# The weeks (footfall trends --out): running time, steps, impact load and cadence against
# target, one bar or point per week; flagged weeks in red, the week in progress hatched.


def _week_bars(ax: Axes, t: Trends, values: list[float], name: str, flags: bool) -> None:
    x = np.arange(len(t.weeks))
    colours = [CUE_COLOUR if flags and (w.load_jump or w.acwr_flag) else STEP_COLOUR
               for w in t.weeks]  # fmt: skip
    bars = ax.bar(x, values, color=colours)
    for bar, w in zip(bars, t.weeks, strict=True):
        if w.in_progress:
            bar.set_hatch("//")
            bar.set_alpha(0.6)
    ax.set(title=name, ylabel=name)
    _week_ticks(ax, t)


def _week_ticks(ax: Axes, t: Trends) -> None:
    step = max(1, len(t.weeks) // 8)  # at most about 8 labels, so they stay readable
    ticks = list(range(0, len(t.weeks), step))
    ax.set_xticks(ticks, [t.weeks[i].week for i in ticks], rotation=30, fontsize="small")


def _cadence_weeks(ax: Axes, t: Trends) -> None:
    x = np.arange(len(t.weeks))
    nan = float("nan")
    cad = [nan if w.cadence_spm is None else w.cadence_spm for w in t.weeks]
    tgt = [nan if w.target_spm is None else w.target_spm for w in t.weeks]
    ax.plot(x, cad, "o-", color=STEP_COLOUR, label="cadence (median, by running time)")
    ax.plot(x, tgt, "--", color=TARGET_COLOUR, label="target")
    ax.set(title="Cadence vs target", ylabel="steps/min")
    ax.legend(loc="best", fontsize="small")
    _week_ticks(ax, t)


def trends_panels(t: Trends) -> list[tuple[str, Figure]]:
    """The weeks' four figures, each in its own figure, in page order."""
    draws = (
        ("Running time (h)", lambda ax: _week_bars(
            ax, t, [w.running_s / 3600 for w in t.weeks], "Running time (h)", False)),
        ("Steps", lambda ax: _week_bars(ax, t, [w.steps for w in t.weeks], "Steps", False)),
        ("Impact load (g)", lambda ax: _week_bars(
            ax, t, [w.impact_load_g for w in t.weeks], "Impact load (g)", True)),
        ("Cadence vs target", lambda ax: _cadence_weeks(ax, t)),
    )  # fmt: skip
    out: list[tuple[str, Figure]] = []
    for name, draw in draws:
        fig = _new_figure((6.4, 3.6))
        draw(fig.add_subplot())
        out.append((name, fig))
    return out


def _flag_why(w: Week) -> str:
    why = []
    if w.load_jump and w.load_change_pct is not None:
        why.append(f"load up {w.load_change_pct:.0f}% on the week before")
    if w.acwr_flag and w.acwr is not None:
        why.append(f"this week's load is {w.acwr:.2f} times the 4-week mean")
    return f"{w.week} ({', '.join(why)})"


def trends_summary(t: Trends) -> str:
    """One plain paragraph: the weeks shown, the flagged ones and why, the cadence trend."""
    first, last = t.weeks[0], t.weeks[-1]
    parts = [f"{len(t.weeks)} week{'s' * (len(t.weeks) != 1)}, {first.week} to {last.week}."]
    flagged = t.flagged()
    if flagged:
        parts.append("Weeks flagged (red): " + "; ".join(map(_flag_why, flagged)) + ".")
    else:
        parts.append("No week is flagged: the impact load rose steadily.")
    trend = t.cadence_trend_spm_per_week
    if trend is not None:
        parts.append(f"Cadence changed by {trend:+.1f} steps/min a week.")
    if last.in_progress:
        parts.append(f"{last.week} is still in progress (hatched).")
    return " ".join(parts)


def trends_composite(t: Trends) -> Figure:
    fig = _new_figure((14, 9))
    a, b, c, d = fig.subplots(2, 2).flat
    _week_bars(a, t, [w.running_s / 3600 for w in t.weeks], "Running time (h)", False)
    _week_bars(b, t, [float(w.steps) for w in t.weeks], "Steps", False)
    _week_bars(c, t, [w.impact_load_g for w in t.weeks], "Impact load (g)", True)
    _cadence_weeks(d, t)
    fig.suptitle(f"Training weeks\n{textwrap.fill(trends_summary(t), 170)}", fontsize="medium")
    return fig


def trends_page(t: Trends, text: str) -> str:
    figures = "\n".join(_figure(name, fig) for name, fig in trends_panels(t))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Training weeks</title><style>{PAGE_STYLE}</style></head>\n"
        f"<body><h1>Training weeks</h1>\n<p>{html.escape(trends_summary(t))}</p>\n"
        f"{figures}\n<pre>{html.escape(text)}</pre>\n</body></html>\n"
    )


def render_trends(t: Trends, text: str, fmt: str) -> bytes:
    """The weeks as bytes: a PNG, or the HTML page in UTF-8."""
    if fmt == "png":
        return png_bytes(trends_composite(t))
    return trends_page(t, text).encode("utf-8")


def write_trends(t: Trends, text: str, path: str | Path, fmt: str | None = None) -> Path:
    """Write the weeks as PNG or HTML: `fmt` when given, else chosen by the file's suffix."""
    path = Path(path)
    return _write(path, render_trends(t, text, report_format(path, fmt)))
