"""Parquet export (pyarrow): a hive-partitioned dataset, device=<hex>/date=<YYYY-MM-DD>/.

One row per step with footfall.analysis.step_table's unit-named columns, plus `time` as a
UTC timestamp. Partitioned by device and the session's start date, so a club with
thousands of sessions can read one runner or one week without scanning the rest (DuckDB
`read_parquet('DIR/**/*.parquet', hive_partitioning = true)`, Spark, Dask). Exporting a
session again replaces its file (one per session, named by its id), so the dataset never
holds a step twice. The partition columns live in the folder names, as hive expects. A
session whose device clock was never set has no date: its `time` and `time_ms` are null
and it is filed under date=__HIVE_DEFAULT_PARTITION__, which hive readers read as null.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from footfall.analysis import SessionData, step_table
from footfall.errors import os_failure

PARTITIONS = ["device", "date"]
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # a null partition value, as hive writes it


def table(data: SessionData) -> pa.Table:
    cols = step_table(data)
    n = len(data.t_ms)
    date = datetime.fromtimestamp(data.start_s, UTC).strftime("%Y-%m-%d")
    arrays = {name: pa.array(col) for name, col in cols.items() if col.dtype != object}
    for name in ("session_id", "device", "activity"):  # few distinct strings: dictionaries
        values, codes = np.unique(cols[name].astype(str), return_inverse=True)
        arrays[name] = pa.DictionaryArray.from_arrays(codes.astype(np.int32), values.tolist())
    arrays["time"] = pa.array(cols["time_ms"].astype("datetime64[ms]"), pa.timestamp("ms", "UTC"))
    arrays["cadence_spm"] = pa.array(cols["cadence_spm"].astype(np.uint8))
    arrays["peak_impact_g"] = pa.array(cols["peak_impact_g"].astype(np.float32))
    if not data.clock_set:  # no date: null times, filed under hive's null partition
        date = NULL_PARTITION
        arrays["time_ms"] = pa.nulls(n, pa.int64())
        arrays["time"] = pa.nulls(n, pa.timestamp("ms", "UTC"))
    arrays["date"] = pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), [date])
    return pa.table({name: arrays[name] for name in [*cols, "time", "date"]})


def write(sessions: Iterable[SessionData], path: str | Path) -> tuple[Path, int]:
    """Write the sessions' steps under the folder `path`; returns (path, rows written).
    One file per session with steps (a session without any adds no rows: no file), streamed,
    so memory does not grow with the store."""
    path = Path(path)
    rows = 0
    try:
        for data in sessions:
            if not len(data.t_ms):  # no rows, and no partition values to file it under
                continue
            t = table(data)
            folder = path.joinpath(*(f"{k}={t[k][0].as_py()}" for k in PARTITIONS))
            folder.mkdir(parents=True, exist_ok=True)
            pq.write_table(t.drop_columns(PARTITIONS), folder / f"{data.session_id}.parquet")
            rows += t.num_rows
    except OSError as e:
        raise os_failure(path, e) from None
    return path, rows
