"""Fixed SQL statements of the busiest pages, run with less per-statement work than Django's
cursor does.

A page's fixed statements are built once per database vendor (their table names and quoting
do not change while a process runs). Django's cursor wrapper then spends more on each of them
than SQLite spends running it: on SQLite it rewrites the statement's `%s` placeholders into
`?` with a regular expression on every call (about 0.1 M CPU instructions for a statement of a
few hundred characters), and every backend goes through the wrapper's execute-wrapper and
error-wrapping layers. `Statement` does the rewriting once, when the statement is built, and
`fetch_all` hands the result to the driver's own cursor, with what Django's wrapper does
that matters kept: the connection is opened (and health-checked) as for any query, a broken
transaction is refused, and driver errors become Django's (`wrap_database_errors`).

When anything watches the queries (`CaptureQueriesContext`, `assertNumQueries`, DEBUG's query
log: `queries_logged`) or a wrapper is installed (`connection.execute_wrapper`), the statement
goes through Django's cursor as any other query, so it is counted, logged and wrapped as usual.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper


class Statement:
    """A fixed statement in Django's placeholder style (`%s`, `%%` for a literal per cent
    sign), with its text in the driver's own style for `vendor` made once."""

    __slots__ = ("native", "sql", "vendor")

    def __init__(self, sql: str, vendor: str) -> None:
        self.sql = sql
        self.vendor = vendor
        if vendor == "sqlite":
            from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

            # What Django's SQLite cursor does to every statement it runs (convert_query).
            self.native = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
        else:  # psycopg takes Django's style as it is
            self.native = sql

    def __repr__(self) -> str:
        return f"Statement({self.sql!r}, {self.vendor!r})"


def _direct(db: BaseDatabaseWrapper) -> bool:
    """Whether the driver's cursor may run the statement: nothing watches or wraps queries."""
    return (db.vendor in ("sqlite", "postgresql") and not db.queries_logged
            and not db.execute_wrappers)


def fetch_all(statement: Statement, params: list[Any] | tuple[Any, ...],
              db: BaseDatabaseWrapper | None = None) -> list[tuple[Any, ...]]:
    """The statement's rows, as `cursor.execute(statement.sql, params); cursor.fetchall()`
    on Django's cursor of `db` (default: the default database) gives them."""
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    if statement.vendor != db.vendor or not _direct(db):
        with db.cursor() as cursor:
            cursor.execute(statement.sql, params)
            return cursor.fetchall()
    # What Django's connection.cursor() and CursorWrapper.execute() check before a query.
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        # SQLite: the connection's plain cursor (Django's own cursor class would rewrite the
        # placeholders again). PostgreSQL: the backend's cursor, with its time zone loader.
        cursor = (db.connection.cursor() if db.vendor == "sqlite"
                  else db.create_cursor())
        try:
            cursor.execute(statement.native, params)
            return cursor.fetchall()
        finally:
            cursor.close()
