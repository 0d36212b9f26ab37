"""The programme's state on flash and the coach each session gets from it (CPython)."""

import json  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall_core.header import HEADER_BYTES, Header
from footfall_core.impact import ImpactCoach
from footfall_fw import config
from footfall_fw import programme_state as ps
from footfall_fw import progress as pg


def cfg(**changes: object) -> dict:
    return config.validate(changes)


def test_sessions_are_counted_across_boots(tmp_path: Path) -> None:
    path = str(tmp_path / "programme.json")
    for _ in range(3):
        pg.Progress(cfg(programme="fade"), path).begin()
    p = pg.Progress(cfg(programme="fade"), path)
    p.begin()
    assert (p.session, p.pct) == (4, 100)
    p.begin()
    assert (p.session, p.pct) == (5, 75)
    assert json.loads(Path(path).read_text())["session"] == 5


def test_the_faded_session_mutes_the_coach_for_the_end_of_each_cycle(tmp_path: Path) -> None:
    path = tmp_path / "programme.json"
    path.write_text(json.dumps({**ps.fresh("fade"), "session": 5}))  # the next is the 6th
    p = pg.Progress(cfg(programme="fade"), str(path))
    coach = p.begin()
    assert p.pct == 50
    p.tick(coach, 60_000)
    assert coach.mute is False
    p.tick(coach, 150_000)
    assert coach.mute is True


@pytest.mark.parametrize(
    "text",
    ["{", "[]", '{"programme": "fade", "session": -1, "first_s": 0, "baseline_spm": 0}',
     '{"programme": "zzz", "session": 3, "first_s": 0, "baseline_spm": 0}',
     '{"programme": "fade", "session": "3", "first_s": 0, "baseline_spm": 0}',
     '{"programme": "fade", "session": 3' + " " * 300 + "}", "\x00\xff"],
)  # fmt: skip
def test_bad_content_reads_as_a_new_programme(tmp_path: Path, text: str) -> None:
    path = tmp_path / "programme.json"
    path.write_bytes(text.encode("latin-1"))
    assert ps.load(str(path)) == ps.fresh()
    p = pg.Progress(cfg(programme="fade"), str(path))
    p.begin()
    assert p.session == 1


def test_a_changed_programme_starts_again(tmp_path: Path) -> None:
    path = str(tmp_path / "programme.json")
    for _ in range(6):
        pg.Progress(cfg(programme="fade"), path).begin()
    p = pg.Progress(cfg(programme="progressive"), path)
    p.begin()
    assert p.session == 1


def test_a_failed_write_does_not_stop_the_session(tmp_path: Path) -> None:
    p = pg.Progress(cfg(programme="fade"), str(tmp_path / "no-such-folder" / "programme.json"))
    assert p.begin() is not None and p.session == 1


def test_the_save_is_atomic_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "programme.json"
    pg.Progress(cfg(programme="fade"), str(path)).begin()
    assert sorted(f.name for f in tmp_path.iterdir()) == ["programme.json"]


def test_without_a_programme_nothing_is_written_and_the_coach_stays(tmp_path: Path) -> None:
    p = pg.Progress(cfg(), str(tmp_path / "programme.json"))
    assert p.begin() is None
    assert list(tmp_path.iterdir()) == []


def test_the_learned_baseline_is_kept_and_gives_the_next_sessions_target(tmp_path: Path) -> None:
    path = str(tmp_path / "programme.json")
    p = pg.Progress(cfg(programme="progressive"), path)
    coach = p.begin()
    assert coach.target_spm == 0  # learning
    coach.baseline_spm = 160  # as the coach's _learn leaves it
    p.tick(coach, 1000)
    again = pg.Progress(cfg(programme="progressive"), path)
    coach = again.begin()
    assert again.raise_pct10 == 25  # session 2, no clock: still week 1
    assert (coach.baseline_spm, coach.target_spm) == (160, 164)


def test_the_impact_mode_gets_the_impact_coach(tmp_path: Path) -> None:
    p = pg.Progress(cfg(coach="impact", impact_limit_mg=4200), str(tmp_path / "p.json"))
    coach = p.coach()
    assert isinstance(coach, ImpactCoach) and coach.limit_mg == 4200


def test_header_fields_fill_a_version_3_header(tmp_path: Path) -> None:
    c = cfg(coach="impact", repeat_s=600, programme="fade-progressive", impact_drop_pct=30)
    p = pg.Progress(c, str(tmp_path / "p.json"))
    p.begin()
    buf = bytearray(HEADER_BYTES)
    Header(**p.header_fields()).pack_into(buf)
    h = Header.unpack_from(buf)
    assert (h.coach, h.repeat_s, h.programme, h.programme_session, h.impact_drop_pct) == (
        "impact", 600, "fade-progressive", 1, 30,
    )  # fmt: skip
    assert (h.feedback_pct, h.raise_pct10) == (100, 25)


@pytest.mark.parametrize(
    ("name", "value"),
    [("coach", "impact"), ("impact_limit_mg", 0), ("impact_limit_mg", 16000),
     ("impact_drop_pct", 5), ("programme", "fade-progressive")],
)  # fmt: skip
def test_the_new_fields_take_their_values(name: str, value: object) -> None:
    assert config.check(name, value) == value


@pytest.mark.parametrize(
    ("name", "value"),
    [("impact_limit_mg", 500), ("impact_limit_mg", 16001), ("impact_drop_pct", 51),
     ("programme", "always")],
)  # fmt: skip
def test_the_new_fields_refuse_what_the_coach_would_refuse(name: str, value: object) -> None:
    with pytest.raises(ValueError, match=name):
        config.check(name, value)


def test_a_baseline_outside_the_coachs_range_is_not_kept(tmp_path: Path) -> None:
    path = str(tmp_path / "programme.json")
    p = pg.Progress(cfg(programme="progressive"), path)
    coach = p.begin()
    coach.baseline_spm = 250  # a learned median the coach's config would refuse as given
    p.tick(coach, 1000)
    assert p.begin() is not None and p.baseline_spm() == 0
