"""Many-row INSERT/UPDATE straight through the driver's executemany.

SQLAlchemy's executemany spends most of its time building parameter dicts (several seconds per
400k rows); a release writes up to a million rows (minted ids, members, ids stored back), so
these go as tuples in the driver's own paramstyle. Column values are converted with the
column types' bind processors first, so what lands in the database is what the ORM would write.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session

CHUNK = 20_000


def _marker(paramstyle: str) -> str:
    if paramstyle == "qmark":
        return "?"
    if paramstyle in ("format", "pyformat"):
        return "%s"
    raise NotImplementedError(f"paramstyle {paramstyle}")


def _process(table: Table, columns: Sequence[str], rows: list[tuple], dialect) -> list[tuple]:
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    if not any(processors):
        return rows
    return [
        tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row)) for row in rows
    ]


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT rows (tuples in `columns` order) into `table`."""
    if not rows:
        return
    conn = session.connection()
    mark = _marker(conn.dialect.paramstyle)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    rows = _process(table, columns, rows, conn.dialect)
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])


def update_rows(session: Session, table: Table, key: str, set_sql: str, rows: list[tuple]) -> None:
    """UPDATE table SET <set_sql with one marker per value> WHERE key = <last value>, per row."""
    if not rows:
        return
    conn = session.connection()
    sql = f"UPDATE {table.name} SET {set_sql.replace('?', _marker(conn.dialect.paramstyle))} WHERE {key} = " \
          f"{_marker(conn.dialect.paramstyle)}"
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])
