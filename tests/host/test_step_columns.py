"""A session's step columns have one list of names: the decoded file, the store's arrays
table and the arrays it returns all follow records.STEP_COLUMNS."""

import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
from footfall.records import STEP_COLUMNS, Session
from footfall.store import StepArrays, Store

SESSION_FILE = Path(__file__).resolve().parents[1] / "data" / "virtual_board_run.ffs"


def test_the_stores_arrays_table_holds_the_step_columns_in_order(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.import_session(SESSION_FILE.read_bytes())
    db = sqlite3.connect(path)
    try:
        names = [row[1] for row in db.execute("PRAGMA table_info(arrays)")]
    finally:
        db.close()
    assert names == ["session", "n", *STEP_COLUMNS]


def test_step_arrays_are_the_step_columns_in_order() -> None:
    assert tuple(f.name for f in dataclasses.fields(StepArrays)) == STEP_COLUMNS


def test_the_store_gives_back_each_step_column_of_the_file(tmp_path: Path) -> None:
    raw = SESSION_FILE.read_bytes()
    session = Session.from_bytes(raw)
    with Store(tmp_path / "s.db") as store:
        arrays = store.arrays(store.import_session(raw).id)
    assert session.steps > 0
    for name, column in zip(STEP_COLUMNS, arrays, strict=True):
        assert np.array_equal(column, getattr(session, name)), name
