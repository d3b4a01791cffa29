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


def test_0006_repairs_stale_open_items_and_withdrawn_items_an_older_ingest_left(db_url):
    """Before 0006 an ingest flagged an open item stale-source without giving it the new clinical
    term or the flag's reason, and withdrew items without a decision: upgrading repairs both."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy.orm import Session

    from review_queue.models import AuditLog, Concept, Decision, Ingest, ReviewItem, Suggestion

    engine = make_engine(db_url)
    try:
        config = alembic_config(engine)
        command.upgrade(config, "0005")
        at = datetime(2026, 4, 1, 3, 0, tzinfo=timezone.utc)
        with Session(engine) as s, s.begin():
            for cid, term, active in (("3259999999100", "beenoedeem", True), ("139999999102", "oud myocardinfarct", False)):
                s.add(Concept(id=cid, active=active, effective_time="20260331", module_id="11000146104", term_nl=term))
            s.flush()
            stale = ReviewItem(concept_id="3259999999100", state="proposed", source_term="oedeem van been",
                               proposal="vochtophoping van het been", origin="lexicon", confidence=0.9,
                               flags="jargon;stale-source", max_severity="warning", version=2)
            gone = ReviewItem(concept_id="139999999102", state="rejected", source_term="oud myocardinfarct",
                              proposal="oud hartinfarct", origin="lexicon", confidence=0.8, flags="",
                              decided_by="helder", decided_at=at, version=2)
            s.add_all([stale, gone])
            s.flush()
            s.add(Suggestion(item_id=stale.id, concept_id="3259999999100", text="vochtophoping van het been",
                             origin="lexicon", confidence=0.9, flags="jargon", is_primary=True,
                             flag_details=[{"code": "jargon", "severity": "warning", "reason": "x", "related": []}]))
            s.add(AuditLog(actor="helder", action="withdraw", entity="review_item", entity_id=str(gone.id), at=at,
                           before={"state": "proposed", "version": 1},
                           after={"state": "rejected", "reason": "concept inactivated"}))
            s.add(Ingest(path="delta", kind="Delta", effective_time="20260331", at=at + timedelta(seconds=2)))
            stale_id, gone_id = stale.id, gone.id
        migrate(engine)
        migrate(engine)  # a second run finds nothing left to repair
        with Session(engine) as s:
            item = s.get(ReviewItem, stale_id)
            primary = s.query(Suggestion).filter_by(item_id=stale_id).one()
            withdrawals = s.query(Decision).filter_by(item_id=gone_id).all()
        assert (item.source_term, item.version) == ("beenoedeem", 3) and "beenoedeem" in item.search_text
        assert [f["code"] for f in primary.flag_details] == ["jargon", "stale-source"]
        assert primary.flag_details[1]["reason"] == ("De klinische term veranderde van 'oedeem van been' in "
                                                     "'beenoedeem' nadat het voorstel werd gemaakt")
        assert primary.flags == "jargon;stale-source"
        assert [(d.reviewer, d.action, d.reason, d.state_before, d.state_after) for d in withdrawals] == [
            ("helder", "withdraw", "het concept is inactief geworden in de SNOMED-release van 20260331",
             "proposed", "rejected")]
    finally:
        engine.dispose()
