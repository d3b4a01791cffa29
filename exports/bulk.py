"""Many-row INSERT/UPDATE without SQLAlchemy's per-row parameter handling.

A release writes up to a million rows (minted ids, members, ids stored back on terms). Through
SQLAlchemy's executemany most of that time goes into building parameter dicts, so rows go as
tuples straight to the driver: `executemany` in SQLite's paramstyle, `COPY` on PostgreSQL (an
UPDATE copies into a temp table and updates from it). Values are converted with the column
types' bind processors first, so what lands in the database is what the ORM would write.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session

CHUNK = 20_000


def _process(table: Table, columns: Sequence[str], rows: list[tuple], dialect) -> list[tuple]:
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    if not any(processors):
        return rows
    return [
        tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row)) for row in rows
    ]


def _copy(session: Session, target: str, columns: Sequence[str], rows: list[tuple]) -> None:
    raw = session.connection().connection.driver_connection  # psycopg, inside the session's transaction
    with raw.cursor() as cur, cur.copy(f"COPY {target} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def insert_rows(session: Session, table: Table, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT rows (tuples in `columns` order) into `table`."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy(session, table.name, columns, rows)
        return
    if conn.dialect.paramstyle != "qmark":
        raise NotImplementedError(f"bulk insert for {conn.dialect.name}")
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    rows = _process(table, columns, rows, conn.dialect)
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])


def update_rows(session: Session, table: Table, key: str, columns: Sequence[str], rows: list[tuple],
                keep_when_null: Sequence[str] = ()) -> None:
    """Per row (values in `columns` order…, key value): SET the columns WHERE key matches.

    Columns in `keep_when_null` keep their current value when the new one is null.
    """
    if not rows:
        return
    conn = session.connection()

    def value(col: str, new: str) -> str:
        return f"COALESCE({new}, {col})" if col.rsplit(".", 1)[-1] in keep_when_null else new

    if conn.dialect.name == "postgresql":
        temp = f"_helder_update_{table.name}"
        key_type = table.c[key].type.compile(dialect=conn.dialect)
        types = ", ".join(f"{c} {table.c[c].type.compile(dialect=conn.dialect)}" for c in columns)
        conn.exec_driver_sql(f"CREATE TEMP TABLE {temp} (_key {key_type}, {types}) ON COMMIT DROP")
        _copy(session, temp, [*columns, "_key"], rows)
        sets = ", ".join(f"{c} = {value(f'{table.name}.{c}', f'u.{c}')}" for c in columns)
        conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} FROM {temp} u WHERE {table.name}.{key} = u._key")
        conn.exec_driver_sql(f"DROP TABLE {temp}")
        return
    sets = ", ".join(f"{c} = {value(c, '?')}" for c in columns)
    sql = f"UPDATE {table.name} SET {sets} WHERE {key} = ?"
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start:start + CHUNK])
