"""The review workspace: server-side sessions, login throttling, what each decision checked, folded search words, parents

Revision ID: 0005
Revises: 0003

- web_sessions: sessions the server can end (logout, a disabled user, a new password).
- login_failures: failed logins per account and per address, to slow down guessing.
- decisions.flags / flag_details / before / undoes: the checks of the text a decision saved,
  the item as it was (so undo restores exactly that) and which decision an undo took back.
- review_items.search_text: clinical term, proposal and final term folded (lower case, no
  accents), filled here for existing rows; on PostgreSQL a trigram index over it replaces 0003's
  index over lower(source_term).
- review_items.lease_owner and decisions(reviewer, id) indexes: a reviewer's leases and recent
  decisions without a scan.
- concept_parents: a concept's IS-A parents, shown beside an item.
"""
import logging
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlalchemy import exc, text

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
CHUNK = 5000


def _fold(value):
    # The same folding as review_queue.models.fold, frozen here so this migration never changes.
    if not value:
        return ""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _search_words(*texts):
    return "\n".join(f for f in (_fold(t) for t in texts) if f)


def upgrade() -> None:
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('flag_details', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('before', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('undoes', sa.Integer(), nullable=True))
    op.create_index('ix_decisions_reviewer_id', 'decisions', ['reviewer', 'id'])
    op.create_index('ix_review_items_lease_owner', 'review_items', ['lease_owner'],
                    sqlite_where=sa.text('lease_owner IS NOT NULL'),
                    postgresql_where=sa.text('lease_owner IS NOT NULL'))
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.String(length=64), primary_key=True),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
    )
    op.create_index('ix_web_sessions_username', 'web_sessions', ['username'])
    op.create_index('ix_web_sessions_expires_at', 'web_sessions', ['expires_at'])
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(length=160), primary_key=True),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'concept_parents',
        sa.Column('concept_id', sa.String(length=18), primary_key=True),
        sa.Column('parent_id', sa.String(length=18), primary_key=True),
    )

    bind = op.get_bind()
    items = sa.table('review_items', sa.column('id', sa.Integer), sa.column('source_term', sa.Text),
                     sa.column('proposal', sa.Text), sa.column('final_term', sa.Text),
                     sa.column('search_text', sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(items.c.id, items.c.source_term, items.c.proposal, items.c.final_term)
                            .where(items.c.id > last).order_by(items.c.id).limit(CHUNK)).all()
        if not rows:
            break
        bind.execute(items.update().where(items.c.id == sa.bindparam('row_id'))
                     .values(search_text=sa.bindparam('words')),
                     [{"row_id": r.id, "words": _search_words(r.source_term, r.proposal, r.final_term)} for r in rows])
        last = rows[-1].id

    if bind.dialect.name == "postgresql":
        bind.execute(text("DROP INDEX IF EXISTS ix_review_items_source_term_trgm"))
        try:
            with bind.begin_nested():
                bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except exc.DBAPIError as error:
            log.warning("pg_trgm unavailable (%s); queue word search stays a scan", str(error).splitlines()[0])
            return
        bind.execute(text("CREATE INDEX IF NOT EXISTS ix_review_items_search_trgm "
                          "ON review_items USING gin (search_text gin_trgm_ops)"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.execute(text("DROP INDEX IF EXISTS ix_review_items_search_trgm"))
        try:
            with bind.begin_nested():
                bind.execute(text("CREATE INDEX IF NOT EXISTS ix_review_items_source_term_trgm "
                                  "ON review_items USING gin (lower(source_term) gin_trgm_ops)"))
        except exc.DBAPIError:
            pass
    op.drop_table('concept_parents')
    op.drop_table('login_failures')
    op.drop_index('ix_web_sessions_expires_at', table_name='web_sessions')
    op.drop_index('ix_web_sessions_username', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_index('ix_review_items_lease_owner', table_name='review_items')
    op.drop_index('ix_decisions_reviewer_id', table_name='decisions')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('undoes')
        batch_op.drop_column('before')
        batch_op.drop_column('flag_details')
        batch_op.drop_column('flags')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_column('search_text')
