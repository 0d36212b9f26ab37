"""A time limit on the commands that talk to a device is a positive, finite number of seconds:
0 made every wait fail at once (a config change the device applied reported as failed), nan
the same, inf would never end."""

from __future__ import annotations

import pytest
from footfall.cli import main


@pytest.mark.parametrize("command", ["sync", "config", "devices", "live"])
@pytest.mark.parametrize("timeout", ["0", "nan", "-1", "inf", "soon"])
def test_a_timeout_that_is_not_a_positive_finite_time_is_exit_2(
    command: str, timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [command, "--timeout", timeout]
    if command != "devices":
        argv += ["--device", "serial:/dev/does-not-exist"]
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.e2e
@pytest.mark.parametrize("timeout", ["0", "nan"])
def test_a_config_change_with_a_bad_timeout_is_refused_before_the_device_is_asked(
    timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.host.test_serial_transport import PtyDevice

    dev = PtyDevice()
    try:
        argv = ["config", "--device", f"serial:{dev.path}", "--target", "172"]
        with pytest.raises(SystemExit) as exited:
            main([*argv, "--timeout", timeout])
    finally:
        dev.close()
    assert exited.value.code == 2 and "give a number of seconds above 0" in capsys.readouterr().err
    assert dev.server.config.values["target_spm"] == 170 and dev.text == b""
