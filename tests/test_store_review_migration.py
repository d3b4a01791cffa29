"""Migration 0005 (the review workspace) on a database with items: search words filled, undo works."""
from alembic import command
from sqlalchemy import inspect, text

from review_queue.db import alembic_config, make_engine, migrate


def test_0005_fills_search_words_for_existing_items_and_goes_back(db_url):
    engine = make_engine(db_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0003")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO concepts (id, active, effective_time, module_id, term_nl, updated_at) "
                              "VALUES ('100001', true, '20250101', '11000146104', 'Thyreoïditis', CURRENT_TIMESTAMP)"))
            conn.execute(text(
                "INSERT INTO review_items (concept_id, state, version, source_term, proposal, origin, confidence, "
                "flags, needs_second_review, final_term, created_at, updated_at) VALUES ('100001', 'edited', 2, "
                "'Thyreoïditis', 'ontsteking  van de SCHILDKLIER', 'lexicon', 0.5, '', false, 'Schildklierontsteking', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        migrate(engine)
        with engine.connect() as conn:
            words = conn.execute(text("SELECT search_text FROM review_items")).scalar_one()
        assert words == "thyreoiditis\nontsteking van de schildklier\nschildklierontsteking"
        tables = set(inspect(engine).get_table_names())
        assert {"web_sessions", "login_failures", "concept_parents"} <= tables
        command.downgrade(config, "0003")
        assert "search_text" not in {c["name"] for c in inspect(engine).get_columns("review_items")}
        assert "web_sessions" not in set(inspect(engine).get_table_names())
        if engine.dialect.name == "postgresql":
            assert "ix_review_items_source_term_trgm" in {i["name"] for i in inspect(engine).get_indexes("review_items")}
    finally:
        engine.dispose()


def test_parents_follow_the_relationship_rows_a_delta_changes_only_what_it_says(store):
    import polars as pl
    from sqlalchemy import select

    from review_queue.hierarchy import IS_A, store_parents
    from review_queue.models import ConceptParent

    _, factory = store
    snapshot = pl.DataFrame({"sourceId": ["1", "1", "2", "3", "2"], "destinationId": ["10", "11", "10", "12", "14"],
                             "typeId": [IS_A, IS_A, IS_A, "363698007", IS_A], "active": ["1", "1", "1", "1", "0"]})
    delta = pl.DataFrame({"sourceId": ["1", "1", "2", "2"], "destinationId": ["11", "13", "14", "14"],
                          "typeId": [IS_A] * 4, "active": ["0", "1", "0", "1"]})  # 2→14 remodelled: one row each
    with factory() as s, s.begin():
        assert store_parents(s, snapshot) == {"added": 3, "removed": 0}  # 2→14 was never stored
    with factory() as s, s.begin():
        assert store_parents(s, delta) == {"added": 2, "removed": 1}
    with factory() as s:
        pairs = s.execute(select(ConceptParent.concept_id, ConceptParent.parent_id)
                          .order_by(ConceptParent.concept_id, ConceptParent.parent_id)).all()
    assert [tuple(p) for p in pairs] == [("1", "10"), ("1", "13"), ("2", "10"), ("2", "14")]
    with factory() as s, s.begin():  # the same rows again change nothing
        assert store_parents(s, delta) == {"added": 0, "removed": 0}
