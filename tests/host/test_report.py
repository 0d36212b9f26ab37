"""footfall.report: the PNG and the self-contained HTML render the session's figures."""

import base64
import io
import re
from pathlib import Path

import pytest
from footfall.analysis import summarise
from footfall.errors import OutputError
from PIL import Image

from tests.host.run_sessions import run

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA = run([172] * 300 + [160] * 150 + [172] * 300, peak_mg=2300, cues=(330,))
SUMMARY = summarise(DATA)


@pytest.fixture
def report():
    """footfall.report, imported here: it brings in matplotlib (half a second to import)."""
    from footfall import report

    return report


@pytest.mark.e2e
def test_png_report_is_a_valid_non_empty_png(report, tmp_path: Path) -> None:
    path = report.write(DATA, SUMMARY, "text", tmp_path / "r.png")
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    assert data.startswith(PNG_MAGIC) and Image.open(path).size == (1400, 900)


@pytest.mark.e2e
def test_html_report_embeds_the_four_figures_and_links_nothing(report, tmp_path: Path) -> None:
    page = report.write(DATA, SUMMARY, "cadence 172 spm", tmp_path / "r.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 4
    assert all(base64.b64decode(b).startswith(PNG_MAGIC) for b in images)
    assert "http" not in page.replace("<!DOCTYPE html>", "") and "cadence 172 spm" in page


@pytest.mark.e2e
def test_html_report_names_each_figure(report, tmp_path: Path) -> None:
    page = report.write(DATA, SUMMARY, "", tmp_path / "r.html").read_text()
    for title in ("Cadence over time", "Peak impact over time", "Impact histogram",
                  "Impact vs cadence"):  # fmt: skip
        assert f"<figcaption>{title}</figcaption>" in page


def test_a_report_name_that_is_neither_png_nor_html_is_refused(report, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="the report is .png or .html"):
        report.write(DATA, SUMMARY, "", tmp_path / "r.pdf")
