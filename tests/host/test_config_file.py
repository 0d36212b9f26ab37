"""`footfall config --device file:DIR` reads and changes a flash folder's config.json by the
firmware's own rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from footfall.cli import main
from footfall.paths import firmware_config

RULES = firmware_config()


def config_json(folder: Path, capsys: pytest.CaptureFixture, *argv: str) -> dict:
    assert main(["config", "--device", f"file:{folder}", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_folder_without_config_shows_the_defaults_the_device_boots_with(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert RULES is not None
    assert config_json(tmp_path, capsys) == RULES.defaults()
    assert not (tmp_path / "config.json").exists()  # showing writes nothing


def test_a_change_is_saved_where_the_device_loads_it(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert RULES is not None
    shown = config_json(tmp_path, capsys, "--target", "176", "--coach", "metronome")
    loaded, problems = RULES.load(str(tmp_path / "config.json"))
    assert problems == [] and loaded == shown
    assert (shown["target_spm"], shown["auto_target"], shown["coach"]) == (176, False, "metronome")
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temp file left


def test_changes_keep_the_fields_already_in_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config_json(tmp_path, capsys, "--placement", "shoe")
    shown = config_json(tmp_path, capsys, "--repeat-s", "45")
    assert (shown["placement"], shown["repeat_s"]) == ("shoe", 45)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--set", "below_s=0"], "below_s must be an integer from 1 to 255"),
        (["--set", "no_such_field=1"], "unknown field 'no_such_field'"),
    ],
)
def test_a_refused_change_is_exit_2_and_leaves_the_file_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    config_json(tmp_path, capsys, "--target", "172")
    before = (tmp_path / "config.json").read_bytes()
    assert main(["config", "--device", f"file:{tmp_path}", *argv]) == 2
    assert message in capsys.readouterr().err
    assert (tmp_path / "config.json").read_bytes() == before


def test_a_corrupt_config_shows_the_defaults_and_says_why_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert RULES is not None
    (tmp_path / "config.json").write_text('{"target_spm": 17')
    assert main(["config", "--device", f"file:{tmp_path}", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == RULES.defaults()
    assert "config.json is corrupt" in err and "using defaults" in err


def test_the_text_output_is_one_field_a_line_as_from_a_device(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main(["config", "--device", f"file:{tmp_path}", "--target", "180"]) == 0
    lines = capsys.readouterr().out.splitlines()
    fields = dict(line.split(None, 1) for line in lines)
    assert fields["target_spm"] == "180" and fields["placement"] == '"waist"'
    assert [line.split()[0] for line in lines] == sorted(fields)


def test_a_missing_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["config", "--device", f"file:{tmp_path / 'nope'}"]) == 2
    assert "not a directory" in capsys.readouterr().err
