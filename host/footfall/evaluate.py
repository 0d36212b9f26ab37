"""Score the detector on every recording listed in DIR/truth.csv (`footfall eval DIR`).

truth.csv has columns recording,placement,activity,rate_hz,true_steps,source; recording R is
DIR/R.csv and its true step times, when the dataset has them, DIR/R.steps.csv (header t_ms).
A foot, shoe or ankle placement runs the detector as `shoe`, anything else as `waist`.

Groups (the first rule that applies):
  non_walking       true_steps == 0 (driving, desk work, standing, ...): false steps per hour
  shoe_foot         placement mentions foot, shoe or ankle
  running_waist     a running activity at the hip or waistband
  walking_waist     lower back, L5, trouser pockets, or hip/waist when not running
  other_placements  everything else (hand, arm, neck, purse, wrist walks; wrist housework)
Per group: total count error (sum detected vs sum true), median absolute count error, mean
F1 over recordings with step times, cadence MAE pooled over all scored 30 s windows, false
steps per hour (non_walking only). Scoring rules are in footfall.scoring.

--errors OUT writes every step the detector and the truth disagree on (missed, extra, or
mistimed by 250-500 ms), each placed in steady walking, at the edge of a stretch of walking,
in a pause of the truth (a turn, a stop) or outside it, and prints a table of where they lie.
"""

import csv
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from footfall import scoring
from footfall.csvio import MAX_T_MS, read_recording, read_text_lines
from footfall.detect import detect_recording
from footfall.errors import FootfallError, InputError, quote

IGNORE_SIGINT = (signal.SIGINT, signal.SIG_IGN)
GROUPS = ("running_waist", "walking_waist", "shoe_foot", "other_placements", "non_walking")
TRUTH_COLUMNS = ("recording", "placement", "activity", "rate_hz", "true_steps", "source")


@dataclass(frozen=True)
class TruthRow:
    recording: str
    placement: str
    activity: str
    true_steps: int


@dataclass(frozen=True)
class RecordingScore:
    recording: str
    group: str
    placement: str
    detector_placement: str
    activity: str
    duration_s: float
    true_steps: int
    detected_steps: int
    count_error_pct: float | None  # None when true_steps == 0
    f1: float | None  # None without true step times
    cadence_windows: int
    cadence_abs_error_sum_spm: float
    false_steps_per_h: float | None  # non_walking only


@dataclass(frozen=True)
class Disagreement:
    recording: str
    group: str
    kind: str  # missed, extra, mistimed
    t_ms: int  # the true step's time; an extra detection's own
    offset_ms: int | None  # mistimed: detected - true
    where: str  # walking, edge, pause, outside


ERROR_PLACES = {
    "missed": ("walking", "edge"),
    "extra": ("walking", "pause", "outside"),
    "mistimed": ("walking", "edge"),
}


@dataclass(frozen=True)
class GroupScore:
    group: str
    recordings: int
    true_steps: int
    detected_steps: int
    total_count_error_pct: float | None
    median_abs_count_error_pct: float | None
    mean_f1: float | None
    cadence_mae_spm: float | None
    cadence_windows: int
    false_steps_per_h: float | None


def detector_placement(placement: str) -> str:
    return "shoe" if any(k in placement for k in ("foot", "shoe", "ankle")) else "waist"


def group_of(row: TruthRow) -> str:
    p = row.placement
    if row.true_steps == 0:
        return "non_walking"
    if detector_placement(p) == "shoe":
        return "shoe_foot"
    waist = "hip" in p or "waist" in p
    if waist and "run" in row.activity:
        return "running_waist"
    if waist or "lower_back" in p or "pocket" in p:
        return "walking_waist"
    return "other_placements"


def read_truth(directory: Path) -> list[TruthRow]:
    """Rows of DIR/truth.csv; InputError naming the line for a bad one."""
    path = directory / "truth.csv"
    name = str(path)
    reader = csv.DictReader(read_text_lines(path, name))
    missing = [c for c in TRUTH_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(name, 1, f"missing column(s) {', '.join(missing)}")
    rows = []
    for rec in reader:
        if not all(isinstance(rec[c], str) for c in TRUTH_COLUMNS):
            fields = len(reader.fieldnames or [])
            raise InputError(name, reader.line_num, f"expected {fields} fields")
        text = rec["true_steps"].strip()
        if not (text.isascii() and text.isdigit()):
            what = "a count of steps (0 or more)"
            raise InputError(name, reader.line_num, f"true_steps {quote(text)} is not {what}")
        rows.append(TruthRow(rec["recording"], rec["placement"], rec["activity"], int(text)))
    return rows


def read_step_times(path: Path) -> np.ndarray | None:
    """True step times from a `t_ms` CSV (one integer a line, within +/-MAX_T_MS; blank
    lines skipped), or None when the file does not exist."""
    if not path.exists():
        return None
    name = str(path)
    lines = read_text_lines(path, name)
    if not lines or lines[0].strip() != "t_ms":
        raise InputError(name, 1, "expected a header t_ms")
    times = []
    for line_no, line in enumerate(lines[1:], start=2):
        text = line.strip()
        if not text:
            continue
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or abs(int(text)) > MAX_T_MS:
            raise InputError(
                name, line_no, f"step time {quote(text)} is not an integer ms within +/-2**53"
            )
        times.append(int(text))
    return np.array(times, dtype=np.int64)


def score_recording(
    directory: Path, row: TruthRow, rate_hz: int, engine: str
) -> tuple[RecordingScore, list[Disagreement]]:
    """Run the detector on one recording; its scores and where it disagrees with the truth."""
    rec = read_recording(directory / f"{row.recording}.csv")
    placement = detector_placement(row.placement)
    det = detect_recording(rec, rate_hz, placement, engine)
    detected = np.array(det.step_times_ms, dtype=np.int64)
    true_times = read_step_times(directory / f"{row.recording}.steps.csv")
    group = group_of(row)
    f1 = None
    cad_errors = np.array([])
    errors = []
    if true_times is not None:
        errors = [
            Disagreement(row.recording, group, *e)
            for e in scoring.disagreements(true_times, detected)
        ]
        matched = scoring.count_matches(true_times, detected)
        f1 = scoring.f1_score(len(true_times), len(detected), matched)
        cad = np.array(det.cadence_spm, dtype=np.int64).reshape(-1, 2)
        cad_errors = scoring.cadence_window_errors(true_times, cad[:, 0], cad[:, 1])
    hours = det.duration_s / 3600
    score = RecordingScore(
        recording=row.recording,
        group=group,
        placement=row.placement,
        detector_placement=placement,
        activity=row.activity,
        duration_s=det.duration_s,
        true_steps=row.true_steps,
        detected_steps=len(detected),
        count_error_pct=_pct(len(detected), row.true_steps),
        f1=f1,
        cadence_windows=len(cad_errors),
        cadence_abs_error_sum_spm=float(cad_errors.sum()),
        false_steps_per_h=len(detected) / hours if group == "non_walking" and hours else None,
    )
    return score, errors


def _pct(detected: int, true: int) -> float | None:
    return 100 * (detected - true) / true if true else None


def summarise(group: str, scores: list[RecordingScore]) -> GroupScore:
    true = sum(s.true_steps for s in scores)
    detected = sum(s.detected_steps for s in scores)
    errors = [abs(s.count_error_pct) for s in scores if s.count_error_pct is not None]
    f1s = [s.f1 for s in scores if s.f1 is not None]
    windows = sum(s.cadence_windows for s in scores)
    hours = sum(s.duration_s for s in scores) / 3600
    return GroupScore(
        group=group,
        recordings=len(scores),
        true_steps=true,
        detected_steps=detected,
        total_count_error_pct=_pct(detected, true),
        median_abs_count_error_pct=float(np.median(errors)) if errors else None,
        mean_f1=float(np.mean(f1s)) if f1s else None,
        cadence_mae_spm=sum(s.cadence_abs_error_sum_spm for s in scores) / windows
        if windows
        else None,
        cadence_windows=windows,
        false_steps_per_h=detected / hours if group == "non_walking" and hours else None,
    )


def evaluate(
    directory: Path, rows: list[TruthRow], rate_hz: int, engine: str, jobs: int
) -> tuple[list[RecordingScore], list[Disagreement], list[FootfallError]]:
    """Score rows on a pool of `jobs` processes; recordings that fail (a bad file, the
    engine) come back as errors, in the order of the rows."""
    scores: list[RecordingScore] = []
    disagreements: list[Disagreement] = []
    errors: list[FootfallError] = []
    # the workers leave Ctrl-C to this process, which stops the pool (exit 130, no tracebacks)
    pool = ProcessPoolExecutor(jobs, initializer=signal.signal, initargs=IGNORE_SIGINT)
    try:
        futures = [pool.submit(score_recording, directory, r, rate_hz, engine) for r in rows]
        for future in futures:
            try:
                score, found = future.result()
            except FootfallError as exc:
                errors.append(exc)
                continue
            scores.append(score)
            disagreements += found
    finally:
        pool.shutdown(cancel_futures=True)
    return scores, disagreements, errors


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "-" if value is None else format(value, spec) + unit


def format_groups(groups: list[GroupScore], rate_hz: int, engine: str) -> str:
    head = (
        f"{'group':<17}{'recs':>5}{'true':>8}{'detected':>9}{'count err':>10}"
        f"{'med |err|':>10}{'F1':>7}{'cad MAE':>8}{'windows':>8}{'false/h':>8}"
    )
    lines = [f"footfall eval at {rate_hz} Hz ({engine})", head, "-" * len(head)]
    for g in groups:
        lines.append(
            f"{g.group:<17}{g.recordings:>5}{g.true_steps:>8}{g.detected_steps:>9}"
            f"{_fmt(g.total_count_error_pct, '+.1f', '%'):>10}"
            f"{_fmt(g.median_abs_count_error_pct, '.1f', '%'):>10}"
            f"{_fmt(g.mean_f1, '.3f'):>7}{_fmt(g.cadence_mae_spm, '.2f'):>8}"
            f"{g.cadence_windows:>8}{_fmt(g.false_steps_per_h, '.0f'):>8}"
        )
    return "\n".join(lines)


def format_recordings(scores: list[RecordingScore]) -> str:
    lines = [f"{'recording':<46}{'group':<17}{'true':>6}{'det':>6}{'err':>8}{'F1':>7}"]
    for s in scores:
        lines.append(
            f"{s.recording[:45]:<46}{s.group:<17}{s.true_steps:>6}{s.detected_steps:>6}"
            f"{_fmt(s.count_error_pct, '+.1f'):>8}{_fmt(s.f1, '.3f'):>7}"
        )
    return "\n".join(lines)


def write_csv(path: Path, groups: list[GroupScore], scores: list[RecordingScore]) -> None:
    """One CSV: group rows first (kind=group), then recording rows (kind=recording)."""
    columns = ["kind", "name"]
    for cls in (GroupScore, RecordingScore):
        columns += [f.name for f in fields(cls) if f.name not in [*columns, "group", "recording"]]
    columns.insert(2, "group")
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, restval="")
        writer.writeheader()
        for g in groups:
            writer.writerow({"kind": "group", "name": g.group, **asdict(g)})
        for s in scores:
            row = {"kind": "recording", "name": s.recording, **asdict(s)}
            del row["recording"]
            writer.writerow(row)


def format_disagreements(groups: list[GroupScore], found: list[Disagreement]) -> str:
    """Per group, how many steps of each kind lie in each place (ERROR_PLACES)."""
    cols = [(kind, where) for kind, places in ERROR_PLACES.items() for where in places]
    kinds = "".join(f"{kind:<{9 * len(places)}}" for kind, places in ERROR_PLACES.items())
    head = f"{'group':<17}" + "".join(f"{where:>9}" for _, where in cols)
    lines = [
        "where the detector and the truth disagree (steps)",
        f"{'':<17}{'':>2}" + kinds.rstrip(),
        head,
        "-" * len(head),
    ]
    for g in groups:
        if g.group == "non_walking":
            continue
        mine = [e for e in found if e.group == g.group]
        counts = [sum(e.kind == k and e.where == w for e in mine) for k, w in cols]
        lines.append(f"{g.group:<17}" + "".join(f"{n:>9}" for n in counts))
    return "\n".join(lines)


def write_disagreements(path: Path, found: list[Disagreement]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[f.name for f in fields(Disagreement)])
        writer.writeheader()
        for e in found:
            writer.writerow(asdict(e))
