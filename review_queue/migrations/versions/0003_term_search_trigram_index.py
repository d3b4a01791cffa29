"""PostgreSQL: a trigram index so searching the queue by words in the clinical term needs no full scan

Revision ID: 0003
Revises: 0002

pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so the database owner can
create it. Where it cannot be created the search still works, as a scan; the migration says so
and goes on rather than failing the upgrade. SQLite keeps its plain LIKE scan.
"""
import logging

from alembic import op
from sqlalchemy import exc, text

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except exc.DBAPIError as error:
        log.warning("pg_trgm unavailable (%s); queue word search stays a scan", str(error).splitlines()[0])
        return
    bind.execute(text(
        "CREATE INDEX IF NOT EXISTS ix_review_items_source_term_trgm "
        "ON review_items USING gin (lower(source_term) gin_trgm_ops)"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_review_items_source_term_trgm")
