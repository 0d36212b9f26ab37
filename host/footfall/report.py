"""Session report figures (matplotlib): what a runner or physio would rather look at than read.

Four panels: cadence over time with the target band and the cues, peak impact over time,
the impact histogram, and impact against cadence with the runner's robust fit.
`write(data, summary, text, path, fmt)` writes a PNG (the four panels in one image) or one
self-contained HTML file (the summary and each figure embedded as a base64 PNG; nothing is
linked): `fmt` when given, else the path's suffix says which. `render` gives the same
bytes, for stdout. Figures are built with matplotlib.figure.Figure, so no GUI backend or pyplot
state is involved.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from footfall.analysis import SessionData, SessionSummary, impact_by_cadence, impact_fit
from footfall.errors import OutputError, os_failure

DPI = 100
ROLLING_STEPS = 31  # the impact trace's running mean window
TARGET_COLOUR, CUE_COLOUR, STEP_COLOUR = "#2ca02c", "#d62728", "#1f77b4"
FORMATS = (".png", ".html")


def _running(data: SessionData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(minutes, cadence spm, impact g) of the running steps with a cadence."""
    use = (data.running_dt_ms() > 0) & (data.cadence_spm > 0)
    return data.t_ms[use] / 60000, data.cadence_spm[use], data.peak_mg[use] / 1000


def cadence_panel(ax: Axes, data: SessionData, summary: SessionSummary) -> None:
    minutes, cad, _ = _running(data)
    ax.plot(minutes, cad, ".", ms=2, color=STEP_COLOUR, label="cadence (running steps)")
    if summary.target_spm:
        ax.axhspan(summary.threshold_spm, summary.target_spm + data.tolerance_spm,
                   color=TARGET_COLOUR, alpha=0.15, label="target zone")  # fmt: skip
        ax.axhline(summary.target_spm, color=TARGET_COLOUR, lw=1, label="target")
    for i, cue in enumerate(summary.cues):
        ax.axvline(cue.t_ms / 60000, color=CUE_COLOUR, lw=1, ls="--",
                   label="cue" if i == 0 else None)  # fmt: skip
    ax.set(title="Cadence over time", xlabel="time (min)", ylabel="cadence (steps/min)")
    ax.legend(loc="lower left", fontsize="small")


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
    out = []
    for title, draw in (
        ("Cadence over time", lambda ax: cadence_panel(ax, data, summary)),
        ("Peak impact over time", lambda ax: impact_time_panel(ax, data)),
        ("Impact histogram", lambda ax: impact_hist_panel(ax, data, summary)),
        ("Impact vs cadence", lambda ax: cadence_impact_panel(ax, data)),
    ):
        fig = Figure(figsize=(8, 3.6), dpi=DPI, layout="constrained")
        draw(fig.add_subplot())
        out.append((title, fig))
    return out


def composite(data: SessionData, summary: SessionSummary) -> Figure:
    """The four panels in one figure (the PNG report)."""
    fig = Figure(figsize=(14, 9), dpi=DPI, layout="constrained")
    a, b, c, d = fig.subplots(2, 2).flat
    cadence_panel(a, data, summary)
    impact_time_panel(b, data)
    impact_hist_panel(c, data, summary)
    cadence_impact_panel(d, data)
    fig.suptitle(f"footfall session {summary.session_id}")
    return fig


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def html_page(data: SessionData, summary: SessionSummary, text: str) -> str:
    figures = "\n".join(
        f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,'
        f'{base64.b64encode(png_bytes(fig)).decode("ascii")}">'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
        for title, fig in panels(data, summary)
    )
    title = html.escape(f"footfall session {summary.session_id}")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>body{font-family:sans-serif;max-width:860px;margin:auto}"
        "img{max-width:100%}figure{margin:1em 0}</style></head>\n"
        f"<body><h1>{title}</h1>\n<pre>{html.escape(text)}</pre>\n{figures}\n</body></html>\n"
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


def write(
    data: SessionData, summary: SessionSummary, text: str, path: str | Path, fmt: str | None = None
) -> Path:
    """Write the report as PNG or HTML: `fmt` when given, else chosen by the file's suffix."""
    path = Path(path)
    body = render(data, summary, text, report_format(path, fmt))
    try:
        path.write_bytes(body)
    except OSError as e:
        raise os_failure(path, e) from None
    return path
