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
    with pytest.raises(DecisionError, match="opmaak") as err:  # terms.text
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


# ---- four eyes, needs wording, re-check on save -------------------------------------------------

from review_queue.decisions import (  # noqa: E402
    CheckedText,
    ReviewPolicy,
    awaiting_second,
    keep_source,
    needs_wording,
    text_to_decide,
)
from review_queue.models import Decision  # noqa: E402

FOUR_EYES = ReviewPolicy(four_eyes=True)


def _low(factory, **kw):
    """bètathalassemie with nothing better than the clinical term echoed, confidence 0.05."""
    with factory() as s, s.begin():
        s.add(Concept(id="100015", active=True, effective_time="20250101", module_id="11000146104",
                      term_nl="bètathalassemie", semantic_tag="disorder"))
        item = ReviewItem(concept_id="100015", source_term="bètathalassemie", proposal=kw.get("proposal", "bètathalassemie"),
                          origin=kw.get("origin", "none"), confidence=0.05, flags=kw.get("flags", "same-as-source"),
                          max_severity=kw.get("severity", "info"))
        s.add(item)
        s.flush()
        s.add(Suggestion(item_id=item.id, concept_id="100015", text=item.proposal, origin=item.origin, confidence=0.05,
                         flag_details=kw.get("details", [])))
        return item.id


def test_four_eyes_second_reviewer_confirms_exactly_the_first_reviewers_edit(store):
    _, factory = store
    item_id = _low(factory, origin="lexicon", proposal="bèta-thalassemie")
    with factory() as s, s.begin():
        item = edit(s, item_id, "anna", "erfelijke bloedarmoede (bèta)", explanation="Een erfelijke vorm van bloedarmoede.",
                    policy=FOUR_EYES)
        assert awaiting_second(item) and text_to_decide(item) == "erfelijke bloedarmoede (bèta)"
        assert item.state == "proposed" and item.first_approver == "anna"
    with factory() as s:
        assert s.execute(select(PatientTerm)).scalars().all() == []  # nothing published after one approval
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            approve(s, item_id, "anna", policy=FOUR_EYES)
    assert err.value.code == "second_same_reviewer"
    with factory() as s, s.begin():
        item = approve(s, item_id, "bert", policy=FOUR_EYES)
    assert (item.state, item.final_term, item.decided_by) == ("edited", "erfelijke bloedarmoede (bèta)", "bert")
    with factory() as s:
        pt = s.execute(select(PatientTerm).where(PatientTerm.active)).scalar_one()
        assert (pt.term, pt.explanation) == ("erfelijke bloedarmoede (bèta)", "Een erfelijke vorm van bloedarmoede.")
        assert [d.action for d in s.execute(select(Decision).order_by(Decision.id)).scalars()] == ["first-edit", "approve"]


def test_four_eyes_second_reviewer_who_changes_the_text_needs_a_third_look(store):
    _, factory = store
    item_id = _low(factory, origin="lexicon", proposal="bèta-thalassemie")
    with factory() as s, s.begin():
        edit(s, item_id, "anna", "erfelijke bloedarmoede (bèta)", policy=FOUR_EYES)
    with factory() as s, s.begin():
        item = edit(s, item_id, "bert", "erfelijke bloedarmoede, bètatype", policy=FOUR_EYES)
    assert (item.state, item.first_approver, item.final_term) == ("proposed", "bert", "erfelijke bloedarmoede, bètatype")
    with factory() as s, s.begin():  # anna may confirm bert's words: they are not hers
        item = approve(s, item_id, "anna", policy=FOUR_EYES)
    assert (item.state, item.final_term, item.decided_by) == ("edited", "erfelijke bloedarmoede, bètatype", "anna")


def test_undo_of_the_second_approval_leaves_the_first_one_waiting(store):
    _, factory = store
    item_id = _low(factory, origin="lexicon", proposal="bèta-thalassemie")
    with factory() as s, s.begin():
        edit(s, item_id, "anna", "erfelijke bloedarmoede (bèta)", policy=FOUR_EYES)
    with factory() as s, s.begin():
        approve(s, item_id, "bert", policy=FOUR_EYES)
    with factory() as s, s.begin():
        item = undo(s, item_id, "bert")
    assert (item.state, item.first_approver, item.final_term, item.decided_by) == (
        "proposed", "anna", "erfelijke bloedarmoede (bèta)", None)
    with factory() as s:
        assert s.execute(select(PatientTerm).where(PatientTerm.active)).scalars().all() == []
        assert s.execute(select(Decision).order_by(Decision.id.desc()).limit(1)).scalar_one().undoes is not None


def test_no_proposal_needs_wording_and_keeping_the_clinical_term_needs_a_reason(store):
    _, factory = store
    item_id = _low(factory)
    with factory() as s:
        assert needs_wording(s.get(ReviewItem, item_id))
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            approve(s, item_id, "anna")
    assert err.value.code == "needs_wording"
    with pytest.raises(DecisionError) as err:  # "editing" to the same clinical term is the same thing
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "Bètathalassemie ")
    assert err.value.code == "edit_is_source"
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            keep_source(s, item_id, "anna", "  ")
    assert err.value.code == "keep_needs_reason"
    with factory() as s, s.begin():
        item = keep_source(s, item_id, "anna", "de term is bij patiënten bekend")
    assert (item.state, item.final_term) == ("approved", "bètathalassemie")
    with factory() as s:
        d = s.execute(select(Decision)).scalar_one()
        assert (d.action, d.reason) == ("keep", "de term is bij patiënten bekend")


def test_edit_with_unchanged_text_cannot_get_around_an_error_flag(store):
    _, factory = store
    details = [{"code": "unsafe-output", "severity": "error", "reason": "Onveilige uitvoer: geen Nederlands", "related": []}]
    item_id = _low(factory, origin="llm", proposal="frozen shoulder", flags="unsafe-output", severity="error",
                   details=details)
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "frozen shoulder")
    assert err.value.code == "override_needed" and [f["code"] for f in err.value.flags] == ["unsafe-output"]
    with pytest.raises(DecisionError):  # also with a checker that (now) finds nothing: the stored flag stands
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "frozen shoulder", checked=CheckedText())
    with factory() as s, s.begin():
        item = edit(s, item_id, "anna", "frozen shoulder", override_reason="vaste term bij de fysiotherapeut")
    assert item.state == "edited"


def test_an_edit_is_checked_again_and_new_error_flags_need_a_reason(store):
    _, factory = store
    item_id = _item(factory)
    seen = []

    def recheck(texts):
        seen.extend((t.concept_id, t.clinical_term, t.text, t.explanation) for t in texts)
        return [CheckedText(flags=[{"code": "tm-conflict", "severity": "error", "reason": "Zelfde term als 100099",
                                    "related": ["100099"]}] if "druk" in t.text else []) for t in texts]
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "te hoge druk", recheck=recheck)
    assert err.value.code == "override_needed" and err.value.flags[0]["related"] == ["100099"]
    assert seen == [("100005", "hypertensie", "te hoge druk", "Te hoge druk in de bloedvaten.")]
    with factory() as s, s.begin():
        edit(s, item_id, "anna", "te hoge druk", recheck=recheck, override_reason="bedoeld: zelfde begrip")
    with factory() as s:
        d = s.execute(select(Decision)).scalar_one()
        assert d.flags == "tm-conflict" and d.flag_details[0]["reason"] == "Zelfde term als 100099"


def test_a_proposal_with_markup_is_refused_not_a_crash(store):
    _, factory = store
    item_id = _item(factory, proposal="<script>alert(1)</script>")
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            approve(s, item_id, "anna")
    assert err.value.code == "invalid_text" and "Voorstel bevat opmaakcode" in str(err.value)


def test_a_two_line_explanation_is_refused_with_a_dutch_reason(store):
    _, factory = store
    item_id = _item(factory)
    with pytest.raises(DecisionError) as err:
        with factory() as s, s.begin():
            edit(s, item_id, "anna", "hoge bloeddruk", explanation="Eerste regel.\nTweede regel.")
    assert err.value.code == "invalid_text" and err.value.params["what"] == "explanation"
    assert str(err.value) == "Uitleg bevat regeleinden of stuurtekens; schrijf het op één regel."


@pytest.mark.parametrize("item_id", [0, -1, 2**31, 10**30])
def test_ids_out_of_range_are_not_found(store, item_id):
    from review_queue.decisions import ItemNotFound

    _, factory = store
    with pytest.raises(ItemNotFound):
        with factory() as s, s.begin():
            approve(s, item_id, "anna")


def test_a_version_the_item_never_had_is_refused_as_such_not_as_a_colleagues_change(store):
    """`--version 9` on an item at version 1 said 'Iemand anders heeft item … intussen gewijzigd
    (jij zag versie 9, nu versie 1 …)': blaming a colleague for a version that never existed."""
    _, factory = store
    item_id = _item(factory)
    for wrong in (9, 2, 0, -1):
        with pytest.raises(DecisionError) as err:
            with factory() as s, s.begin():
                approve(s, item_id, "anna", expected_version=wrong)
        assert err.value.code == "version_unknown" and not isinstance(err.value, StaleItem)
        assert str(err.value) == f"Item {item_id} heeft geen versie {wrong}; de huidige versie is 1. Laad het item opnieuw."
        assert "Iemand anders" not in err.value.text("cli")
    with factory() as s, s.begin():
        approve(s, item_id, "anna", expected_version=1)
    with factory() as s, s.begin():
        undo(s, item_id, "anna", expected_version=2)
    with pytest.raises(StaleItem) as err:  # version 1 existed: someone (here anna) changed it since
        with factory() as s, s.begin():
            approve(s, item_id, "anna", expected_version=1)
    assert err.value.code == "stale" and "jij zag versie 1, nu versie 3" in str(err.value)
