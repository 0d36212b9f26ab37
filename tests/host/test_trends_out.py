"""`footfall trends --out FILE.html|png|-` draws the weeks, with report's --format/--out rules."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path

import pytest
from footfall import report
from footfall.analysis import summarise
from footfall.cli import main
from footfall.cli.trends import text
from footfall.trends import weekly
from PIL import Image

from tests.host.run_sessions import DAY_S, MONDAY_S, run, store_with

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WEEK_S = 7 * DAY_S
# three weeks of one run each; the third run is twice as long: a load jump
RUNS = [
    run([170] * n, start_s=MONDAY_S + w * WEEK_S + DAY_S) for w, n in enumerate((600, 600, 1200))
]


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "store.db"
    store_with(path, *RUNS).close()
    return str(path)


def test_the_paragraph_names_each_flagged_week_and_why() -> None:
    trends = weekly([summarise(r) for r in RUNS], now_s=MONDAY_S + 10 * WEEK_S)
    flagged = trends.flagged()
    assert [w.week for w in flagged] == [trends.weeks[2].week]
    paragraph = report.trends_summary(trends)
    assert f"{flagged[0].week} (load up {flagged[0].load_change_pct:.0f}%" in paragraph
    assert f"{len(trends.weeks)} weeks, {trends.weeks[0].week} to" in paragraph


@pytest.mark.e2e
def test_the_html_page_embeds_the_four_week_figures_and_fits_a_phone(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "weeks.html"
    assert main(["trends", "--store", store, "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}\n"
    page = out.read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4 and all(base64.b64decode(b).startswith(PNG_MAGIC) for b in images)
    for name in ("Running time (h)", "Steps", "Impact load (g)", "Cadence vs target"):
        assert f"<figcaption>{name}</figcaption>" in page
    assert 'name="viewport"' in page and "http" not in page.replace("<!DOCTYPE html>", "")


@pytest.mark.e2e
def test_out_dash_with_format_png_writes_a_png_to_stdout(
    store: str, capsysbinary: pytest.CaptureFixture
) -> None:
    assert main(["trends", "--store", store, "--out", "-", "--format", "png"]) == 0
    body = capsysbinary.readouterr().out
    assert body.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(body)) as image:
        image.verify()


@pytest.mark.e2e
def test_json_with_out_names_the_format_and_the_file(
    store: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "weeks.bin"
    assert main(["trends", "--store", store, "--out", str(out), "--format", "png", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"format": "png", "out": str(out)}
    assert out.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--out", "-"], "--out - needs --format"),
        (["--out", "-", "--format", "html", "--json"], "both write to stdout"),
        (["--format", "png"], "--format needs --out"),
        (["--out", "weeks.pdf"], "the report is .png or .html"),
    ],
)
def test_bad_out_and_format_combinations_are_exit_2(
    store: str, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    assert main(["trends", "--store", store, *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.e2e  # draws figures (tests/conftest.py, the e2e rule)
def test_the_page_shows_the_weeks_table_under_the_figures() -> None:
    trends = weekly([summarise(r) for r in RUNS], now_s=MONDAY_S + 10 * WEEK_S)
    page = report.trends_page(trends, text(trends))
    assert page.index("<figure>") < page.index("<pre>") and trends.weeks[0].week in page
