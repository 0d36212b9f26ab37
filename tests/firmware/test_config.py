"""The settings file: defaults, corrupt files, validation and atomic saves."""

import ast  # noqa: I001 - fwpath must put firmware/ on the path before footfall_fw
import json
from pathlib import Path

import pytest

import tests.firmware.fwpath  # noqa: F401
from footfall_fw import config
from tests.conftest import MPY_SCRIPTS
from tests.unixport import run_mpy_file


def test_missing_file_gives_defaults_without_problems(tmp_path: Path) -> None:
    cfg, problems = config.load(str(tmp_path / "config.json"))
    assert cfg == config.defaults()
    assert problems == []


def test_a_new_device_learns_its_target_from_the_runner() -> None:
    assert config.defaults()["auto_target"] is True


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


@pytest.mark.e2e
def test_unix_port_loads_corrupt_file_and_saves(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b"\xff\x00garbage")
    assert in_unix_port("config_load_save.py", path) == (True, 1, 172)


@pytest.mark.parametrize("name", [n for n, f in config.FIELDS.items() if f[1] == "int"])
def test_every_int_fields_bounds_fit_the_coach_and_the_session_header(name: str) -> None:
    from footfall_core.coach import CoachConfig
    from footfall_core.header import HEADER_BYTES, Header

    for value in config.FIELDS[name][2:]:
        cfg = config.validate({name: value})
        CoachConfig(**config.coach_fields(cfg))
        header = Header(rate_hz=cfg["rate_hz"], **config.coach_fields(cfg))
        assert header.pack_into(bytearray(HEADER_BYTES)) == HEADER_BYTES


# -- bounds on what load() reads: a large but valid JSON file must not stop the boot ------

# Each is valid JSON that the old load() parsed whole: in the unix port on a 40 KiB heap
# every one ran out of memory in json.load (test below), and so would a board's boot.
ATTACKS = {
    "500 unknown keys": json.dumps({f"k{i:03d}": i for i in range(500)}),
    "20,000-deep nesting": '{"a":' + "[" * 20_000 + "]" * 20_000 + "}",
    "a 60 KB string": json.dumps({"target_spm": 176, "note": "x" * 60_000}),
}


def largest_valid_config() -> dict:
    """Every field at its longest value."""
    out: dict = {}
    for name, (_default, kind, _low, high) in config.FIELDS.items():
        out[name] = False if kind == "bool" else high if kind == "int" else max(kind, key=len)
    return out


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_large_valid_file_is_refused_by_its_size_before_it_is_read(
    tmp_path: Path, attack: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(ATTACKS[attack])
    cfg, problems = config.load(str(path))
    assert cfg == config.defaults()
    assert problems == [
        f"config: {path} is refused ({path.stat().st_size} bytes, "
        f"more than {config.MAX_BYTES}); using defaults"
    ]


def test_a_file_of_exactly_max_bytes_still_loads(tmp_path: Path) -> None:
    text = json.dumps({"target_spm": 176})
    path = tmp_path / "config.json"
    path.write_text(text[:-1] + " " * (config.MAX_BYTES - len(text)) + "}")
    assert path.stat().st_size == config.MAX_BYTES
    cfg, problems = config.load(str(path))
    assert cfg["target_spm"] == 176 and problems == []


def test_the_largest_valid_config_indented_is_far_below_the_bound(tmp_path: Path) -> None:
    text = json.dumps(largest_valid_config(), indent=4)
    assert 4 * len(text) <= config.MAX_BYTES
    path = tmp_path / "config.json"
    path.write_text(text)
    assert config.load(str(path)) == (largest_valid_config(), [])


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('{"target_spm": 176, "a": ' + "[" * 400 + "]" * 400 + "}", "nests objects or arrays"),
        ('{"target_spm": [176]}', "nests objects or arrays"),
        ('{"placement": {"shoe": true}}', "nests objects or arrays"),
        ("{" + ",".join(f'"k{i}":0' for i in range(49)) + "}", "has more than 48 keys"),
    ],
)
def test_nesting_or_a_key_flood_under_the_size_bound_is_refused_whole(
    tmp_path: Path, text: str, why: str
) -> None:
    assert len(text) <= config.MAX_BYTES
    path = tmp_path / "config.json"
    path.write_text(text)
    assert config.load(str(path)) == (
        config.defaults(),
        [f"config: {path} is refused ({why}); using defaults"],
    )


def test_48_keys_load_field_by_field_with_one_problem_per_unknown_key(tmp_path: Path) -> None:
    values = {"target_spm": 176, **{f"k{i}": 0 for i in range(47)}}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(values))
    cfg, problems = config.load(str(path))
    assert cfg["target_spm"] == 176 and len(problems) == 47


def test_brackets_colons_and_quotes_inside_strings_are_not_structure(tmp_path: Path) -> None:
    # 40 colons and a bracket inside one value, an escaped quote before them
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"placement": 'sh\\"oe[{' + ":" * 40, "target_spm": 176}))
    cfg, problems = config.load(str(path))
    assert cfg["target_spm"] == 176
    assert len(problems) == 1 and problems[0].startswith("config: placement must be one of")


SMALL_HEAP = "40K"  # 64-bit unix port: about twice an ESP32's bytes per object


def in_unix_port(script: str, path: Path, heap: str = "4M") -> tuple:
    """What tests/mpy/`script` prints for the config file at `path`, on a heap of `heap`."""
    out = run_mpy_file(MPY_SCRIPTS / script, stdin=repr(str(path)).encode(), heap=heap)
    return ast.literal_eval(out.stdout.decode().strip().splitlines()[-1])


@pytest.mark.e2e
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_unix_port_boots_past_each_attack_on_a_small_heap(tmp_path: Path, attack: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(ATTACKS[attack])
    defaults, count, problem, parsed = in_unix_port("config_small_heap.py", path, SMALL_HEAP)
    assert (defaults, count) == (True, 1)
    assert problem.startswith("config: ") and "is refused" in problem
    assert parsed == "MemoryError"  # the attack is real on this heap


@pytest.mark.e2e
@pytest.mark.parametrize(
    "text",
    [
        json.dumps({f"key_{i:02d}": i for i in range(48)}),  # 48 problems to report
        '{"placement": "' + "x" * 2000 + '"}',  # one field's problem with a long value
    ],
    ids=["48 unknown keys", "a 2000-byte value"],
)
def test_unix_port_the_worst_file_inside_the_bounds_loads_on_the_same_heap(
    tmp_path: Path, text: str
) -> None:
    assert len(text) <= config.MAX_BYTES
    path = tmp_path / "config.json"
    path.write_text(text)
    assert in_unix_port("config_small_heap.py", path, SMALL_HEAP)[0] is True


@pytest.mark.e2e
def test_unix_port_loads_the_largest_valid_config_on_the_same_heap(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(largest_valid_config(), indent=4))
    assert in_unix_port("config_small_heap.py", path, SMALL_HEAP) == (False, 0, "", "parsed")
