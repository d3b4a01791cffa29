"""Alembic environment: run against the engine helder hands over (review_queue.db.migrate)."""
from alembic import context
from sqlalchemy import create_engine

from review_queue.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # the alembic command line: use HELDER_DB_URL / the default SQLite file
        from review_queue.db import database_url

        engine = create_engine(database_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table copies to alter
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
