"""The report's runner part: a local-time title, a plain paragraph first, time below the zone
shaded, the zone one-sided, and a page that fits a 390 px phone screen."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from footfall import report
from footfall.analysis import below_spans, summarise
from footfall.cli import main

from tests.host.run_sessions import MONDAY_S, run, session_bytes

# 3 min at 172, 1.5 min at 158 (below 170 - 3), 3 min at 172; then a slower last part
STEADY = [172] * 300 + [158] * 150 + [172] * 300
DATA = run(STEADY, peak_mg=2300, cues=(330, 420))
FADING = run([174] * 400 + [170] * 400 + [160] * 400, cues=(900, 1100))


@pytest.fixture
def zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The process's local time zone set through TZ, as a runner's system would have it."""
    name = "America/New_York"
    monkeypatch.setenv("TZ", name)
    time.tzset()
    yield name
    monkeypatch.undo()
    time.tzset()


def test_the_title_is_the_start_in_the_local_time_zone(zone: str) -> None:
    local = datetime.fromtimestamp(MONDAY_S, ZoneInfo(zone))
    title = report.title(summarise(DATA))
    assert local.strftime("%A") in title and f" {local.day} " in title
    assert local.strftime("%H:%M") in title and f"({local.tzname()})" in title
    assert local.day != datetime.fromtimestamp(MONDAY_S, ZoneInfo("UTC")).day  # not UTC's


def test_an_unset_clock_gives_date_unknown_in_the_title() -> None:
    assert "date unknown" in report.title(replace(summarise(DATA), clock_set=False))


@pytest.mark.e2e
def test_the_page_opens_with_the_title_then_the_paragraph_then_the_cadence_figure(
    zone: str,
) -> None:
    summary = summarise(DATA)
    page = report.html_page(DATA, summary, "analyst text")
    h1 = page.index(f"<h1>{report.title(summary)}</h1>")
    paragraph = page.index(f"<p>{report.runner_summary(summary)}</p>")
    first_figure = page.index("<figure>")
    assert h1 < paragraph < first_figure < page.index("analyst text")
    assert page.index("<figcaption>Cadence over time") < page.index("Impact histogram")


def test_the_paragraph_gives_time_in_zone_and_every_buzz_with_its_reason() -> None:
    summary = summarise(DATA)
    text = report.runner_summary(summary)
    assert f"{summary.in_zone_pct:.0f}% of your running time" in text
    assert f"buzzed {len(summary.cues)} times" in text
    for cue in summary.cues:
        m, s = divmod(round(cue.t_ms / 1000), 60)
        assert f"{m}:{s:02d}" in text
    assert f"below {summary.threshold_spm} steps/min" in text


def test_the_paragraph_says_when_cadence_dropped_late_in_the_run() -> None:
    summary = summarise(FADING)
    drop = summary.cadence_first_third_spm - summary.cadence_last_third_spm
    assert drop > report.HELD_SPM
    assert f"dropped by {drop:.0f} steps/min" in report.runner_summary(summary)
    assert "held up" in report.runner_summary(summarise(run([172] * 600)))


def test_in_a_metronome_mode_the_paragraph_does_not_claim_a_buzz() -> None:
    text = report.runner_summary(summarise(DATA), "metronome-when-slow")
    assert "buzzed" not in text and f"slow {len(summarise(DATA).cues)} times" in text


def test_in_impact_mode_each_cue_was_a_buzz_to_land_softer() -> None:
    summary = summarise(DATA)
    text = report.runner_summary(summary, "impact")
    assert f"buzzed {len(summary.cues)} times to soften your landing" in text
    assert "quicken" not in text and "back in the zone" not in text


def test_without_a_target_the_paragraph_says_it_never_buzzed() -> None:
    text = report.runner_summary(summarise(run([172] * 600, target_spm=0)))
    assert "no target" in text and "zone" not in text


def test_below_spans_cover_the_slow_steps_only() -> None:
    spans = below_spans(DATA)
    slow = DATA.cadence_spm < DATA.threshold_spm
    assert len(spans) == 1
    start, end = spans[0]
    assert start == DATA.t_ms[np.flatnonzero(slow)[0] - 1] and end == DATA.t_ms[slow][-1]


def test_below_spans_are_empty_without_a_target() -> None:
    assert below_spans(run(STEADY, target_spm=0)) == []


def _cadence_axes(data=DATA):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    report.cadence_panel(ax, data, summarise(data))
    return ax


@pytest.mark.e2e  # draws figures (tests/conftest.py, the e2e rule)
def test_time_below_the_zone_is_shaded_on_the_cadence_figure() -> None:
    ax = _cadence_axes(FADING)
    shaded = [p for p in ax.patches if p.get_facecolor()[:3] == _rgb(report.BELOW_COLOUR)]
    assert len(shaded) == len(below_spans(FADING)) >= 1


@pytest.mark.e2e  # draws figures (tests/conftest.py, the e2e rule)
def test_the_zone_is_open_above_it_reaches_the_top_of_the_figure() -> None:
    data = run([172] * 300 + [185] * 300 + [160] * 100)
    ax = _cadence_axes(data)
    zone = [p for p in ax.patches if p.get_facecolor()[:3] == _rgb(report.TARGET_COLOUR)]
    assert len(zone) == 1
    patch = zone[0]
    ys = patch.get_patch_transform().transform(patch.get_path().vertices)[:, 1]
    bottom, top = ax.get_ylim()
    assert ys.min() == data.threshold_spm and ys.max() >= top > 185


def _rgb(colour: str) -> tuple[float, ...]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


@pytest.mark.e2e  # draws figures (tests/conftest.py, the e2e rule)
def test_the_page_is_laid_out_for_a_phone() -> None:
    page = report.html_page(DATA, summarise(DATA), "x" * 300)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "img{max-width:100%;height:auto}" in page
    assert "pre{white-space:pre-wrap" in page  # a long analyst line wraps
    assert not re.search(r"<(img|table)[^>]* width=", page)


BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
MEASURE = (
    "<script>window.addEventListener('load',()=>{const p=document.createElement('p');"
    "p.id='scroll-width';p.textContent=document.documentElement.scrollWidth;"
    "document.body.appendChild(p)})</script>"
)


@pytest.mark.e2e
@pytest.mark.skipif(BROWSER is None, reason="chromium is not installed")
def test_a_390px_phone_screen_shows_the_page_without_sideways_scrolling(tmp_path: Path) -> None:
    page = report.html_page(DATA, summarise(DATA), "a long analyst line " * 40)
    path = tmp_path / "report.html"
    path.write_text(page.replace("</body>", MEASURE + "</body>"))
    dom = subprocess.run(
        [str(BROWSER), "--headless", "--no-sandbox", "--disable-gpu", "--window-size=390,844",
         "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    found = re.search(r'id="scroll-width">(\d+)<', dom)
    assert found is not None, dom[-500:]
    assert int(found.group(1)) <= 390


@pytest.mark.e2e
def test_report_from_a_session_file_is_titled_in_local_time(
    zone: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "s.ffs").write_bytes(session_bytes(DATA))
    out = tmp_path / "r.html"
    assert main(["report", "--session-file", str(tmp_path / "s.ffs"), "--out", str(out)]) == 0
    local = datetime.fromtimestamp(MONDAY_S, ZoneInfo(zone))
    h1 = re.search(r"<h1>([^<]+)</h1>", out.read_text())
    assert h1 is not None and local.strftime("%H:%M") in h1.group(1)
    assert local.tzname() in h1.group(1)
