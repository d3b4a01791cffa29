"""release_members.preferred: which synonym a release published as preferred (for the language refset Delta)

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('release_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('release_members', schema=None) as batch_op:
        batch_op.drop_column('preferred')
