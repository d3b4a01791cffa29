"""The review state machine on real databases (SQLite file and PostgreSQL)."""
import pytest
from sqlalchemy import select

from review_queue.decisions import DecisionError, StaleItem, approve, defer, edit, reject, undo
from review_queue.models import AuditLog, Concept, PatientTerm, ReviewItem, Suggestion


def _item(factory, concept_id="100005", term="hypertensie", proposal="hoge bloeddruk", severity=None):
    with factory() as s, s.begin():
        s.add(Concept(id=concept_id, active=True, effective_time="20250101", module_id="11000146104",
                      term_nl=term, semantic_tag="disorder"))
        item = ReviewItem(concept_id=concept_id, source_term=term, proposal=proposal, origin="lexicon",
                          confidence=0.9, max_severity=severity, flags="tm-conflict" if severity else "")
        s.add(item)
        s.flush()
        s.add(Suggestion(item_id=item.id, concept_id=concept_id, text=proposal, origin="lexicon",
                         confidence=0.9, explanation="Te hoge druk in de bloedvaten."))
        return item.id


def test_approve_joins_tm_and_audits(store):
    _, factory = store
    item_id = _item(factory)
    with factory() as s, s.begin():
        approve(s, item_id, "anna", expected_version=1)
    with factory() as s:
        pt = s.execute(select(PatientTerm).where(PatientTerm.concept_id == "100005")).scalar_one()
        assert (pt.term, pt.source, pt.active, pt.explanation) == ("hoge bloeddruk", "review", True, "Te hoge druk in de bloedvaten.")
        item = s.get(ReviewItem, item_id)
        assert (item.state, item.version, item.decided_by) == ("approved", 2, "anna")
        audit = s.execute(select(AuditLog).where(AuditLog.entity == "review_item")).scalar_one()
        assert audit.before["state"] == "proposed" and audit.after["state"] == "approved"


def test_stale_version_cannot_overwrite_newer_decision(store):
    _, factory = store
    item_id = _item(factory)
    with factory() as s, s.begin():
        edit(s, item_id, "anna", "hoge bloeddruk (hypertensie)", expected_version=1)
    with pytest.raises(StaleItem):
        with factory() as s, s.begin():
            reject(s, item_id, "bert", "niet goed", expected_version=1)
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "edited"


def test_decided_item_cannot_be_decided_twice(store):
    _, factory = store
    item_id = _item(factory)
    with factory() as s, s.begin():
        approve(s, item_id, "anna")
    with pytest.raises(DecisionError, match="al goedgekeurd") as err:
        with factory() as s, s.begin():
            approve(s, item_id, "bert")
    assert err.value.code == "already_decided"


def test_error_flag_needs_override_reason(store):
    _, factory = store
    item_id = _item(factory, severity="error")
    with pytest.raises(DecisionError, match="reden") as err:
        with factory() as s, s.begin():
            approve(s, item_id, "anna")
    assert err.value.code == "override_needed"
    with factory() as s, s.begin():
        approve(s, item_id, "anna", override_reason="conflict is a true synonym")
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "approved"


def test_edit_rejects_markup(store):
    _, factory = store
    item_id = _item(factory)
    with pytest.raises(DecisionError, match="opmaakcode") as err:
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "<b>hoge</b> bloeddruk")
    assert err.value.code == "invalid_text"


def test_undo_own_last_decision_withdraws_tm_entry(store):
    _, factory = store
    item_id = _item(factory)
    with factory() as s, s.begin():
        approve(s, item_id, "anna")
    with pytest.raises(DecisionError, match="alleen die") as err:
        with factory() as s, s.begin():
            undo(s, item_id, "bert")
    assert err.value.code == "undo_not_yours"
    with factory() as s, s.begin():
        undo(s, item_id, "anna")
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "proposed"
        assert s.execute(select(PatientTerm).where(PatientTerm.active)).scalars().all() == []


def test_defer_then_reject_requires_reason(store):
    _, factory = store
    item_id = _item(factory)
    with factory() as s, s.begin():
        defer(s, item_id, "anna", "vragen aan arts")
    with pytest.raises(DecisionError, match="reden") as err:
        with factory() as s, s.begin():
            reject(s, item_id, "anna", "  ")
    assert err.value.code == "reject_needs_reason"
    with factory() as s, s.begin():
        reject(s, item_id, "anna", "betekenis verloren")
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "rejected"
