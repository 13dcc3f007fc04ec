"""Models and migrations agree: Alembic finds nothing to autogenerate, and the history has one head."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from marketplace.settings import PROJECT_ROOT


def test_alembic_has_a_single_head():
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads, chain them: {heads}"


def test_migrated_database_matches_the_models(db):
    """``alembic upgrade heads`` (run by the app fixture) builds exactly what the models declare."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], "models and migrations disagree; write a migration for:\n" + "\n".join(map(repr, diff))


def test_award_foreign_key_exists(db):
    """0008: ``rfq_lines.awarded_quote_line_id -> quote_lines.id`` (declared in 0001 but never created)."""
    fks = sa.inspect(db.engine).get_foreign_keys("rfq_lines")
    assert any(fk["constrained_columns"] == ["awarded_quote_line_id"] and fk["referred_table"] == "quote_lines"
               for fk in fks), fks
