"""A statement counter for tests: how many SQL statements a block of code (a request) sends.

``count_statements`` listens to the engine's ``before_cursor_execute`` event, so it sees every statement
any session or connection of the app sends (ORM loads, lazy loads, Core queries, raw SQL), and nothing
else: transaction control (BEGIN, COMMIT) does not go through a cursor.

    with count_statements() as counted:
        client.get("/deals")
    assert len(counted) <= 12, counted.report()
"""

from __future__ import annotations

import contextlib
from collections import Counter

import pytest
from sqlalchemy import event


class Statements(list):
    """The statements seen, in order (the SQL text of each)."""

    def report(self, top: int = 10) -> str:
        """The statements sent most often (what an N+1 looks like), for a failure message."""
        common = Counter(" ".join(s.split())[:240] for s in self).most_common(top)
        return f"{len(self)} statements; most repeated:\n" + "\n".join(f"{n:4d} x {sql}" for sql, n in common)


@contextlib.contextmanager
def counting(engine):
    """Collect every statement sent through ``engine`` while the block runs."""
    seen = Statements()

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def count_statements(db):
    """``with count_statements() as seen: ...``: the statements the app's engine ran in the block."""
    return lambda: counting(db.engine)
