"""Impact feedback and the programme on the virtual board, end to end through `footfall sim`."""

import json
from pathlib import Path

import pytest
from footfall.cli.sim import options, simulate
from footfall.errors import UsageError
from footfall.records import Session
from footfall.sim import board

from tests.host.test_sim import SYNTHETIC_RUN, sim_args


def test_an_impact_limit_the_coach_would_refuse_is_refused_before_booting(tmp_path: Path):
    args = sim_args(SYNTHETIC_RUN, tmp_path / "flash", coach="impact", impact_limit_mg=500)
    with pytest.raises(UsageError, match="impact_limit_mg"):
        board.check(options(args))


@pytest.mark.e2e
def test_impact_mode_cues_soften_while_impact_stays_over_the_learned_limit(tmp_path: Path):
    # The bundled runner never changes how hard they land: after the 2-minute baseline every
    # reading is over the limit 20 % below it, so the coach cues and repeats, escalated.
    result = simulate(sim_args(SYNTHETIC_RUN, tmp_path / "flash", coach="impact"))
    names = [name for _, name in result["plays"] if name not in ("started", "stopped")]
    assert names[0] == "soften" and set(names[1:]) == {"soften_more"}
    assert len(result["cues_ms"]) == len(names) >= 3
    (path,) = result["session_files"]
    h = Session.from_file(path).header
    assert (h.version, h.coach, h.impact_limit_mg, h.impact_drop_pct) == (3, "impact", 0, 20)


@pytest.mark.e2e
def test_impact_mode_stays_quiet_under_a_limit_the_runner_set_high(tmp_path: Path):
    args = sim_args(SYNTHETIC_RUN, tmp_path / "flash", coach="impact", impact_limit_mg=16000)
    assert simulate(args)["cues_ms"] == []


@pytest.mark.e2e
def test_a_programme_counts_sessions_on_flash_and_writes_its_stage_in_each_header(
    tmp_path: Path,
):
    flash = tmp_path / "flash"
    for _ in range(2):
        simulate(sim_args(SYNTHETIC_RUN, flash, programme="fade-progressive"))
    state = json.loads((flash / "programme.json").read_text())
    assert state["session"] == 2 and 160 <= state["baseline_spm"] <= 180
    headers = [Session.from_file(p).header for p in sorted((flash / "sessions").glob("*.ffs"))]
    assert [h.programme_session for h in headers] == [1, 2]
    assert [h.programme for h in headers] == ["fade-progressive"] * 2
    assert headers[0].baseline_spm == 0 and headers[1].baseline_spm == state["baseline_spm"]


@pytest.mark.e2e
def test_a_programme_past_its_fade_gives_no_feedback_but_still_logs(tmp_path: Path):
    # target 200: the bundled runner is slow all along, so a cue is always due
    full = simulate(sim_args(SYNTHETIC_RUN, tmp_path / "a", target=200, programme="fade"))
    faded_flash = tmp_path / "b"
    faded_flash.mkdir()
    state = {"programme": "fade", "session": 7, "first_s": 0, "baseline_spm": 0}
    (faded_flash / "programme.json").write_text(json.dumps(state))
    faded = simulate(sim_args(SYNTHETIC_RUN, faded_flash, target=200, programme="fade"))
    assert len(full["cues_ms"]) >= 3 and faded["cues_ms"] == []
    assert faded["steps_logged"] == full["steps_logged"]
    (path,) = faded["session_files"]
    h = Session.from_file(path).header
    assert (h.programme_session, h.feedback_pct) == (8, 0)
