"""CSV input: every bad-input kind is a one-line error naming file and line, exit status 2."""

import pickle

import pytest
from footfall.cli import main
from footfall.csvio import parse_recording
from footfall.errors import FootfallError, InputError

GOOD = "t_ms,ax,ay,az\n0,1,2,1000\n10,1,2,1000\n20,1,2,1000\n"


def error_of(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_recording(text, "data.csv")
    return info.value


def test_input_error_is_a_footfall_error_and_a_value_error():
    exc = error_of("")
    assert isinstance(exc, FootfallError) and isinstance(exc, ValueError)


def test_empty_file_is_reported_at_line_1():
    assert str(error_of("")).startswith("data.csv:1: empty file")


def test_missing_column_is_named():
    exc = error_of("t_ms,ax,ay\n0,1,2\n")
    assert str(exc).startswith("data.csv:1: missing column(s) az")


def test_header_without_samples_is_an_error():
    assert "no samples" in str(error_of("t_ms,ax,ay,az\n\n"))


def test_non_numeric_value_names_line_and_column():
    exc = error_of("t_ms,ax,ay,az\n0,1,2,3\n5,1,abc,3\n")
    assert str(exc) == "data.csv:3: non-numeric value 'abc' in column ay"
    assert (exc.file, exc.line) == ("data.csv", 3)


def test_line_numbers_count_skipped_blank_lines():
    assert error_of("t_ms,ax,ay,az\n0,1,2,3\n\n\n5,x,2,3\n").line == 5


def test_empty_value_is_reported():
    assert str(error_of("t_ms,ax,ay,az\n0,1,,3\n")) == "data.csv:2: empty value in column ay"


def test_nan_is_not_a_number():
    assert error_of("t_ms,ax,ay,az\n0,1,2,3\n5,1,2,nan\n").line == 3


def test_short_row_names_its_line():
    exc = error_of("t_ms,ax,ay,az\n0,1,2,3\n5,1,2\n")
    assert str(exc) == "data.csv:3: expected 4 fields, found 3"


def test_time_going_backwards_names_its_line():
    exc = error_of("t_ms,ax,ay,az\n0,1,2,3\n10,1,2,3\n9,1,2,3\n")
    assert exc.line == 4 and "backwards" in str(exc)


def test_equal_timestamps_are_accepted():
    rec = parse_recording("t_ms,ax,ay,az\n0,1,2,3\n0,3,2,3\n10,1,2,3\n", "d.csv")
    assert rec.t_ms.tolist() == [0, 0, 10]


def test_columns_in_any_order_with_extras_are_accepted():
    rec = parse_recording("az,extra,t_ms,ay,ax\n1000,x,0,2,1\n990,y,7,3,4\n", "d.csv")
    assert rec.t_ms.tolist() == [0, 7]
    assert rec.acc_mg.tolist() == [[1, 2, 1000], [4, 3, 990]]


def test_decimal_values_are_rounded():
    rec = parse_recording("t_ms,ax,ay,az\n0.4,1.6,-2.6,3\n", "d.csv")
    assert rec.t_ms.tolist() == [0] and rec.acc_mg.tolist() == [[2, -3, 3]]


@pytest.mark.parametrize(
    "bad, line",
    [
        ("", 1),
        ("t_ms,ax,ay\n0,1,2\n", 1),
        ("t_ms,ax,ay,az\n", 1),
        ("t_ms,ax,ay,az\n0,1,2,3\n5,1,abc,3\n", 3),
    ],
)
def test_detect_reports_bad_file_and_still_processes_the_others(tmp_path, capsys, bad, line):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    broken = tmp_path / "broken.csv"
    broken.write_text(bad)
    status = main(["detect", "--json", str(broken), str(good)])
    out, err = capsys.readouterr()
    assert status == 2
    assert err.splitlines() == [err.strip()]  # one line
    assert err.startswith(f"footfall: {broken}:{line}: ")
    assert f'"file":"{good}"' in out


def test_missing_file_is_reported_without_a_line(tmp_path, capsys):
    status = main(["detect", str(tmp_path / "absent.csv")])
    assert status == 2
    assert capsys.readouterr().err.startswith(f"footfall: {tmp_path / 'absent.csv'}: cannot read")


def test_input_error_survives_pickling_across_processes():
    exc = pickle.loads(pickle.dumps(InputError("d.csv", 7, "bad")))
    assert (str(exc), exc.file, exc.line, exc.message) == ("d.csv:7: bad", "d.csv", 7, "bad")
