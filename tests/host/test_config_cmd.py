"""`footfall config` refuses what the firmware's config rules refuse before opening a device."""

from __future__ import annotations

import argparse
from typing import Any

import pytest
from footfall.cli import config as config_cmd
from footfall.cli import main
from footfall.errors import TransportError


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The URLs config_cmd tried to open (each attempt then fails as a missing device)."""
    urls: list[str] = []

    async def no_device(url: str, **options: Any) -> Any:
        urls.append(url)
        raise TransportError(f"{url}: no such device")

    monkeypatch.setattr(config_cmd, "open_transport", no_device)
    return urls


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--rate", "401", "rate_hz must be an integer from 25 to 400"),
        ("--rate", "24", "rate_hz must be an integer from 25 to 400"),
        ("--target", "0", "target_spm must be an integer from 60 to 240"),
        ("--tolerance", "31", "tolerance_spm must be an integer from 0 to 30"),
        ("--repeat-s", "-1", "repeat_s must be an integer from 0 to 600"),
        ("--beat-steps", "0", "beat_steps must be an integer from 1 to 2"),
        (
            "--coach",
            "metronome-always",
            "coach must be one of cues, metronome, metronome-when-slow, impact",
        ),
    ],
)
def test_out_of_range_values_are_one_line_exit_2_before_any_device(
    opened: list[str], capsys: pytest.CaptureFixture, option: str, value: str, message: str
) -> None:
    assert main(["config", "--device", "serial:/dev/footfall-test", option, value]) == 2
    assert capsys.readouterr().err == f"footfall: config: {message}\n"
    assert opened == []


@pytest.mark.parametrize("rate", ["25", "400"])
def test_rates_in_range_go_to_the_device(opened: list[str], rate: str) -> None:
    assert main(["config", "--device", "serial:/dev/footfall-test", "--rate", rate]) == 1
    assert opened == ["serial:/dev/footfall-test"]  # failed only for want of a device


@pytest.mark.parametrize(
    "argv, changes",
    [
        (["--coach", "metronome-when-slow"], {"coach": "metronome-when-slow"}),
        (["--repeat-s", "60", "--beat-steps", "2"], {"repeat_s": 60, "beat_steps": 2}),
        (["--beat-out", "motor"], {"beat_out": "motor"}),
        (["--target", "172"], {"target_spm": 172, "auto_target": False}),
        (["--target", "172", "--auto-target", "on"], {"target_spm": 172, "auto_target": True}),
    ],
)
def test_coach_options_become_config_changes(argv: list[str], changes: dict) -> None:
    parser = argparse.ArgumentParser()
    config_cmd.register(parser.add_subparsers())
    args = parser.parse_args(["config", "--device", "serial:/dev/x", *argv])
    assert config_cmd.changes_from(args) == changes
    config_cmd.check_changes(changes)


def test_firmware_rules_are_the_ones_the_device_runs() -> None:
    rules = config_cmd.firmware_config()
    assert rules is not None and rules.FIELDS["rate_hz"][2:] == (25, 400)
