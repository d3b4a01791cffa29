"""Schema migrations: an old database upgrades in place with its data; head adds the search index."""
from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from review_queue.db import alembic_config, make_engine, migrate


def test_a_database_at_the_first_version_upgrades_with_its_data(db_url):
    engine = make_engine(db_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0001")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO releases (version, created_at, path, counts, manifest) "
                              "VALUES ('2026-01-01', CURRENT_TIMESTAMP, 'releases/2026-01-01', '{}', '{}')"))
            conn.execute(text("INSERT INTO release_members (release_id, concept_id, description_id, term, active) "
                              "VALUES (1, '1009999999109', '1019999999117', 'strontje', true)"))
        migrate(engine)
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            row = conn.execute(text("SELECT term, preferred FROM release_members")).one()
        assert version == command.ScriptDirectory.from_config(config).get_current_head()
        assert (row.term, bool(row.preferred)) == ("strontje", True)  # 0002's default for old rows
        indexes = {i["name"] for i in inspect(engine).get_indexes("review_items")}
        if engine.dialect.name == "postgresql":  # 0005 put the word search on search_text
            assert "ix_review_items_search_trgm" in indexes and "ix_review_items_source_term_trgm" not in indexes
        else:
            assert "ix_review_items_search_trgm" not in indexes
        command.downgrade(config, "0001")  # and back: every migration can be undone
        assert "preferred" not in {c["name"] for c in inspect(engine).get_columns("release_members")}
    finally:
        engine.dispose()
