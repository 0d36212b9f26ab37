"""The host's view of the version 3 header: its new fields, and older files without them."""

import binascii
import json
from pathlib import Path

from footfall.cli import main
from footfall.records import V3_FIELDS, Header

V3 = Header(
    device_id=bytes(6), fw=(1, 0, 0), start_s=1800000000, rate_hz=100, placement="shoe",
    session_id=3, target_spm=172, tolerance_spm=3, below_s=10, min_gap_s=10, rearm_s=5,
    auto_target=True, baseline_s=120, coach="impact", repeat_s=450, programme="fade",
    programme_session=6, feedback_pct=50, impact_limit_mg=0, impact_drop_pct=25,
)  # fmt: skip


def test_version_3_round_trips_on_the_host() -> None:
    again = Header.from_bytes(bytes(V3))
    assert again == V3 and again.size == 60


def test_to_json_shows_the_version_3_fields() -> None:
    out = Header.from_bytes(bytes(V3)).to_json()
    assert {k: out[k] for k in ("coach", "repeat_s", "programme", "programme_session")} == {
        "coach": "impact", "repeat_s": 450, "programme": "fade", "programme_session": 6,
    }  # fmt: skip


def test_a_version_2_header_reads_and_shows_no_version_3_fields() -> None:
    data = bytearray(bytes(V3)[:44])
    data[4], data[5] = 2, 44
    data[42:44] = binascii.crc_hqx(bytes(data[:42]), 0xFFFF).to_bytes(2, "big")
    h = Header.from_bytes(bytes(data))
    assert (h.version, h.size, h.coach, h.programme) == (2, 44, "cues", "off")
    assert not set(V3_FIELDS) & set(h.to_json())


def test_inspect_prints_the_mode_and_the_programme(tmp_path: Path, capsys) -> None:
    path = tmp_path / "00003.ffs"
    path.write_bytes(bytes(V3))
    main(["inspect", str(path)])
    out = capsys.readouterr().out
    assert "mode impact, repeat every 450 s, impact limit own baseline - 25%" in out
    assert "programme fade: session 6, feedback 50% of the time" in out
    main(["inspect", "--json", str(path)])
    assert json.loads(capsys.readouterr().out)["header"]["programme_session"] == 6
