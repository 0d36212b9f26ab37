"""`footfall config`'s impact and programme options: the changes they make, and refusals."""

import argparse

import pytest
from footfall.cli import config as config_cmd


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    config_cmd.register(parser.add_subparsers())
    return parser.parse_args(["config", "--device", "serial:/dev/x", *argv])


@pytest.mark.parametrize(
    "argv, changes",
    [
        (["--coach", "impact"], {"coach": "impact"}),
        (["--impact-limit-mg", "4500"], {"impact_limit_mg": 4500}),
        (["--impact-drop-pct", "30"], {"impact_drop_pct": 30}),
        (["--programme", "fade-progressive"], {"programme": "fade-progressive"}),
    ],
)
def test_impact_and_programme_options_become_config_changes(argv: list, changes: dict) -> None:
    assert config_cmd.changes_from(parse(*argv)) == changes
    config_cmd.check_changes(changes)


@pytest.mark.parametrize(
    "argv", [["--impact-limit-mg", "800"], ["--impact-drop-pct", "60"], ["--programme", "x"]]
)
def test_values_the_firmware_refuses_are_refused_on_the_host(argv: list) -> None:
    with pytest.raises(ValueError, match=argv[0][2:].replace("-", "_")):
        config_cmd.check_changes(config_cmd.changes_from(parse(*argv)))
