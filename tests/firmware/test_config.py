"""The settings file: defaults, corrupt files, validation and atomic saves."""

import json  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall_fw import config
from tests.unixport import run_mpy


def test_missing_file_gives_defaults_without_problems(tmp_path: Path) -> None:
    cfg, problems = config.load(str(tmp_path / "config.json"))
    assert cfg == config.defaults()
    assert problems == []


def test_defaults_start_sessions_above_135_spm() -> None:
    cfg = config.defaults()
    assert cfg["auto_start"] is True and cfg["start_spm"] == 135


def test_corrupt_file_keeps_defaults_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'{"target_spm": 17')
    cfg, problems = config.load(str(path))
    assert cfg == config.defaults()
    assert len(problems) == 1 and "corrupt" in problems[0]


def test_non_object_file_keeps_defaults_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("[1, 2]")
    cfg, problems = config.load(str(path))
    assert cfg == config.defaults() and problems


def test_one_bad_field_keeps_its_default_and_the_good_fields(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"target_spm": 999, "tolerance_spm": 5}))
    cfg, problems = config.load(str(path))
    assert cfg["target_spm"] == 170 and cfg["tolerance_spm"] == 5
    assert len(problems) == 1 and "target_spm" in problems[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_spm", 59),
        ("target_spm", 241),
        ("target_spm", 170.5),
        ("target_spm", True),
        ("auto_target", 1),
        ("placement", "wrist"),
        ("colour", "red"),
    ],
)
def test_validate_names_the_bad_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        config.validate({field: value})


def test_validate_fills_missing_fields_with_defaults() -> None:
    cfg = config.validate({"target_spm": 180})
    assert cfg["target_spm"] == 180 and cfg["tolerance_spm"] == 3


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = str(tmp_path / "config.json")
    config.save({"target_spm": 176, "placement": "shoe"}, path)
    cfg, problems = config.load(path)
    assert cfg["target_spm"] == 176 and cfg["placement"] == "shoe" and problems == []


def test_save_leaves_no_temp_file_and_replaces_old(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"target_spm": 160}))
    config.save({"target_spm": 165}, str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
    assert json.loads(path.read_text())["target_spm"] == 165


def test_invalid_save_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"target_spm": 160}')
    with pytest.raises(ValueError):
        config.save({"target_spm": 10}, str(path))
    assert path.read_text() == '{"target_spm": 160}'


def test_unix_port_loads_corrupt_file_and_saves(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"\xff\x00garbage")
    out = run_mpy(
        "from footfall_fw import config\n"
        f"cfg, problems = config.load({str(path)!r})\n"
        "print(cfg == config.defaults(), len(problems))\n"
        f"config.save({{'target_spm': 172}}, {str(path)!r})\n"
        f"print(config.load({str(path)!r})[0]['target_spm'])\n"
    )
    assert out.stdout.decode().split() == ["True", "1", "172"]


@pytest.mark.parametrize("name", [n for n, f in config.FIELDS.items() if f[1] == "int"])
def test_every_int_fields_bounds_fit_the_coach_and_the_session_header(name: str) -> None:
    from footfall_core.coach import CoachConfig
    from footfall_core.header import HEADER_BYTES, Header

    for value in config.FIELDS[name][2:]:
        cfg = config.validate({name: value})
        CoachConfig(**config.coach_fields(cfg))
        header = Header(rate_hz=cfg["rate_hz"], **config.coach_fields(cfg))
        assert header.pack_into(bytearray(HEADER_BYTES)) == HEADER_BYTES
