"""Query a sweep's results with SQL (DuckDB over the study folder's Parquet files).

>>> import iads.results
>>> con = iads.results.open("out/study")                                  # doctest: +SKIP
>>> con.sql("SELECT metric, avg(value) FROM metrics GROUP BY metric").fetchall()  # doctest: +SKIP

Views of the connection:

* ``points``: one row per grid point: ``point_id``, ``point`` (its canonical key), one column
  per grid parameter, named by its field path (quote it in SQL: ``"coverage.pd"``);
* ``runs``: one row per replication: ``point_id``, ``rep``, ``seed``, ``status`` (``ok`` or
  ``error``), ``error`` (the exception, for failed ones), ``wall_s`` [s], ``figures`` (a map
  figure name → drawn value, when the sweep sampled uncertain catalog figures), then the
  point's key and parameters;
* ``metrics``: long format, one row per replication and metric: ``point_id``, ``rep``,
  ``metric``, ``value``, then the point's key and parameters;
* ``events``: the models' event tables with ``point_id`` and ``rep`` first (empty when no model
  returned events);
* ``figures``: long format of the drawn figures: ``point_id``, ``rep``, ``figure``, ``value``
  (empty when nothing was sampled).

The views read the chunk files when queried, so a connection opened during a sweep sees the
chunks finished so far. ``iads query DIR "SQL"`` runs one query from the command line.
"""

from __future__ import annotations

from pathlib import Path

from .errors import IadsError

__all__ = ["open", "query"]


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def open(directory: str | Path):  # noqa: A001 - iads.results.open(DIR), by design
    """A DuckDB connection (in memory) with the views of the sweep stored in ``directory``."""
    import duckdb

    d = Path(directory)
    if not (d / "manifest.json").is_file() or not (d / "points.parquet").is_file():
        raise IadsError(f"{d} holds no sweep results (no manifest.json / points.parquet); "
                        "run `iads sweep ... --out DIR` first", field="DIR")
    con = duckdb.connect()
    points = _quote(d.resolve() / "points.parquet")
    chunks = d.resolve() / "chunks"
    con.execute(f"CREATE VIEW points AS SELECT * FROM read_parquet({points})")

    def files(table: str) -> bool:
        return chunks.is_dir() and any(chunks.glob(f"*/{table}.parquet"))

    def source(table: str) -> str:
        return f"read_parquet({_quote(chunks / '*' / f'{table}.parquet')}, union_by_name=true)"

    if files("runs"):
        con.execute(f"CREATE VIEW runs_raw AS SELECT * FROM {source('runs')}")
    else:
        con.execute("CREATE VIEW runs_raw AS SELECT NULL::INTEGER AS point_id, "
                    "NULL::INTEGER AS rep, NULL::BIGINT AS seed, NULL::VARCHAR AS status, "
                    "NULL::VARCHAR AS error, NULL::DOUBLE AS wall_s WHERE false")
    if files("metrics"):
        con.execute(f"CREATE VIEW metrics_raw AS SELECT * FROM {source('metrics')}")
    else:
        con.execute("CREATE VIEW metrics_raw AS SELECT NULL::INTEGER AS point_id, "
                    "NULL::INTEGER AS rep, NULL::VARCHAR AS metric, NULL::DOUBLE AS value "
                    "WHERE false")
    if files("events"):
        con.execute(f"CREATE VIEW events AS SELECT * FROM {source('events')}")
    else:
        con.execute("CREATE VIEW events AS SELECT NULL::INTEGER AS point_id, "
                    "NULL::INTEGER AS rep WHERE false")
    for view in ("runs", "metrics"):
        con.execute(f"CREATE VIEW {view} AS SELECT r.*, p.* EXCLUDE (point_id) "
                    f"FROM {view}_raw r JOIN points p ON r.point_id = p.point_id")
    columns = {row[0] for row in con.execute("DESCRIBE runs_raw").fetchall()}
    if "figures" in columns:
        con.execute("CREATE VIEW figures AS SELECT point_id, rep, "
                    "unnest(map_keys(figures)) AS figure, unnest(map_values(figures)) AS value "
                    "FROM runs_raw WHERE figures IS NOT NULL")
    else:
        con.execute("CREATE VIEW figures AS SELECT NULL::INTEGER AS point_id, "
                    "NULL::INTEGER AS rep, NULL::VARCHAR AS figure, NULL::DOUBLE AS value "
                    "WHERE false")
    return con


def query(directory: str | Path, sql: str):
    """Run ``sql`` over the views of :func:`open`; returns its result as a ``pyarrow.Table``
    (``None`` for a statement that returns no rows).

    A wrong query raises :class:`IadsError` with DuckDB's message (one line).
    """
    import duckdb

    con = open(directory)
    try:
        rel = con.sql(sql)
        return None if rel is None else rel.to_arrow_table()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise IadsError(f"query failed: {first}", field="SQL") from None
