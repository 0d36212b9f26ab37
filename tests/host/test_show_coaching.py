"""`footfall show` gives the coach mode and the programme's stage from the session header."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.store import Store

from tests.host import run_sessions
from tests.host.run_sessions import run, session_bytes

Capture = pytest.CaptureFixture[str]


def stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **header: object) -> str:
    monkeypatch.setattr(run_sessions, "HEADER", replace(run_sessions.HEADER, **header))
    path = tmp_path / "s.db"
    with Store(path) as s:
        s.import_session(session_bytes(run([172] * 400)))
    return str(path)


def test_show_json_has_the_coach_mode_and_the_programme_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    path = stored(tmp_path, monkeypatch, coach="impact", programme="fade", programme_session=5,
                  feedback_pct=75, impact_limit_mg=4500)  # fmt: skip
    assert main(["show", "latest", "--json", "--store", path]) == 0
    coaching = json.loads(capsys.readouterr().out)["coaching"]
    assert (coaching["coach"], coaching["programme"], coaching["programme_session"]) == (
        "impact", "fade", 5,
    )  # fmt: skip
    assert (coaching["feedback_pct"], coaching["impact_limit_mg"]) == (75, 4500)


def test_show_text_says_where_the_runner_is_in_the_programme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    path = stored(tmp_path, monkeypatch, programme="progressive", programme_session=4,
                  raise_pct10=50, baseline_spm=162)  # fmt: skip
    assert main(["show", "latest", "--store", path]) == 0
    out = capsys.readouterr().out
    assert "programme progressive: session 4, feedback 100% of the time, target raise +5.0% " \
        "(baseline 162 spm)" in out  # fmt: skip
