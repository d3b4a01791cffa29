"""pipeline.recheck: the checker `helder run` uses, over the store's TM, for texts edited on save."""
from sqlalchemy import select

from pipeline.checks import Checker
from pipeline.recheck import Rechecker
from review_queue import decisions
from review_queue.decisions import TextToCheck
from review_queue.models import PatientTerm, ReviewItem


def _tm(pf_terms, factory):
    pf_terms.approve(factory, 1, "hoge bloeddruk", clinical="hypertensie")
    pf_terms.approve(factory, 2, "suikerziekte", clinical="diabetes mellitus")


def test_same_flags_as_the_batch_checker(store, pf_terms):
    _, factory = store
    _tm(pf_terms, factory)
    recheck = Rechecker(factory, {})
    texts = [TextToCheck("100099", "essentiële hypertensie", "hoge bloeddruk"),
             TextToCheck("100098", "frozen shoulder", "frozen shoulder"),
             TextToCheck("100097", "arteriosclerose", "verkalking van de slagaders")]
    got = recheck(texts)
    from review_queue.store import load_tm
    import polars as pl

    with factory() as s:
        batch = Checker(load_tm(s), {}).check(pl.DataFrame({"conceptId": [t.concept_id for t in texts],
                                                            "term": [t.clinical_term for t in texts],
                                                            "suggestion": [t.text for t in texts]}))
    assert [decisions.flag_codes(g.flags) for g in got] == batch["flags"].to_list()
    assert "tm-conflict" in got[0].flags[0]["code"] and got[0].flags[0]["related"] == [pf_terms.concept(1)]
    # the clinical term kept as it is: its English words are jargon ('Engels'), a warning the
    # reviewer sees; unsafe-output is for what a model or a person wrote that is not Dutch
    assert decisions.max_severity(got[1].flags) == "warning"
    assert "jargon" in decisions.flag_codes(got[1].flags) and "Engels" in str(got[1].flags)
    assert got[0].similar and got[0].similar[0]["patientTerm"] == "hoge bloeddruk"


def test_the_checker_is_built_once_and_again_when_the_tm_changes(store, pf_terms, seed_items):
    _, factory = store
    _tm(pf_terms, factory)
    recheck = Rechecker(factory, {})
    text = [TextToCheck("100001", "klinische term 1", "suikerziekte")]
    assert recheck(text)[0].flags[0]["code"] == "tm-conflict"
    recheck(text)
    assert recheck.builds == 1
    (item_id,) = seed_items(factory, 1, proposal="zoetebloedziekte")
    with factory() as s, s.begin():
        decisions.approve(s, item_id, "anna")  # the TM grows by one approval
    clash = recheck([TextToCheck("100077", "x", "zoetebloedziekte")])
    assert recheck.builds == 2 and clash[0].flags[0]["related"] == ["100001"]
    with factory() as s, s.begin():
        decisions.undo(s, item_id, "anna")  # and shrinks again
    recheck.tm_changed()
    assert recheck.builds == 3
    assert "tm-conflict" not in decisions.flag_codes(recheck([TextToCheck("100077", "x", "zoetebloedziekte")])[0].flags)


def test_an_empty_tm_and_no_texts(store):
    _, factory = store
    recheck = Rechecker(factory, {})
    assert recheck([]) == []
    assert recheck([TextToCheck("1", "griep", "griep")])[0].flags[0]["code"] == "same-as-source"


def test_edit_through_the_store_uses_it(store, pf_terms, seed_items):
    _, factory = store
    _tm(pf_terms, factory)
    (item_id,) = seed_items(factory, 1)
    recheck = Rechecker(factory, {})
    try:
        with factory() as s, s.begin():
            decisions.edit(s, item_id, "anna", "suikerziekte", recheck=recheck)
        raise AssertionError("a conflicting edit was saved without a reason")
    except decisions.DecisionError as exc:
        assert exc.code == "override_needed" and "conflict met bestaande term" in str(exc)
    with factory() as s, s.begin():
        decisions.edit(s, item_id, "anna", "suikerziekte", recheck=recheck, override_reason="synoniem, bewust")
    with factory() as s:
        assert s.get(ReviewItem, item_id).state == "edited"
        assert len(s.execute(select(PatientTerm).where(PatientTerm.term == "suikerziekte", PatientTerm.active)).all()) == 2
