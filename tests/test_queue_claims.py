"""Two reviewers side by side: claims hand out disjoint items, nothing is decided twice."""
import threading

from sqlalchemy import func, select

from review_queue import decisions, queue
from review_queue.models import Decision, ReviewItem


def test_two_reviewers_claim_disjoint_items_and_never_decide_one_twice(store, seed_items):
    _, factory = store
    ids = seed_items(factory, 30)
    claimed = {"anna": [], "bert": []}
    errors = []
    barrier = threading.Barrier(2)

    def work(user):
        barrier.wait()
        try:
            while True:
                with factory() as s, s.begin():
                    item_id = queue.claim_next(s, user)
                if item_id is None:
                    return
                claimed[user].append(item_id)
                with factory() as s, s.begin():
                    version = s.get(ReviewItem, item_id).version
                with factory() as s, s.begin():
                    decisions.approve(s, item_id, user, expected_version=version)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(u,)) for u in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert not set(claimed["anna"]) & set(claimed["bert"])
    assert sorted(claimed["anna"] + claimed["bert"]) == ids
    with factory() as s:
        per_item = s.execute(select(Decision.item_id, func.count()).group_by(Decision.item_id)).all()
        assert len(per_item) == 30 and all(n == 1 for _, n in per_item)
        assert s.execute(select(func.count()).select_from(ReviewItem).where(ReviewItem.state == "approved")).scalar() == 30


def test_lease_keeps_an_item_from_others_until_it_expires(store, seed_items):
    _, factory = store
    a, b = seed_items(factory, 2)
    with factory() as s, s.begin():
        assert queue.lease(s, a, "anna")
        assert not queue.lease(s, a, "bert")
        assert queue.claim_next(s, "bert") == b
    with factory() as s, s.begin():
        assert queue.lease(s, a, "anna", minutes=-1)  # renewed, already expired
    with factory() as s, s.begin():
        assert queue.claim_next(s, "bert") in (a, b) and queue.lease(s, a, "bert")


def test_stale_version_is_refused_between_two_reviewers(store, seed_items):
    _, factory = store
    (item_id,) = seed_items(factory, 1)
    with factory() as s, s.begin():
        decisions.reject(s, item_id, "anna", "fout", expected_version=1)
    import pytest

    with pytest.raises(decisions.StaleItem):
        with factory() as s, s.begin():
            decisions.approve(s, item_id, "bert", expected_version=1)
    with factory() as s:
        assert s.get(ReviewItem, item_id).decided_by == "anna"


def test_first_approver_is_not_handed_the_item_for_the_second_look(store, seed_items):
    _, factory = store
    (item_id,) = seed_items(factory, 1, confidence=0.1)
    policy = decisions.ReviewPolicy(four_eyes=True)
    with factory() as s, s.begin():
        decisions.approve(s, item_id, "anna", expected_version=1, policy=policy)
    with factory() as s, s.begin():
        assert queue.claim_next(s, "anna") is None
        assert queue.claim_next(s, "bert") == item_id


def test_counts_are_cached_then_refreshed_in_the_background(store, seed_items):
    import time as _time

    _, factory = store
    queue.clear_count_cache()
    seed_items(factory, 3)
    with factory() as s:
        assert queue.counts(s, ttl=60)["state"]["open"] == 3
    seed_items(factory, 2, start=10)
    with factory() as s:
        assert queue.counts(s, ttl=60)["state"]["open"] == 3  # cached
        assert queue.counts(s, ttl=0)["state"]["open"] == 3  # stale answer, refresh started
    deadline = _time.time() + 10
    while _time.time() < deadline:
        with factory() as s:
            if queue.counts(s, ttl=60)["state"]["open"] == 5:
                break
        _time.sleep(0.05)
    with factory() as s:
        assert queue.counts(s, ttl=60)["state"]["open"] == 5
    queue.clear_count_cache()


def test_the_flag_filter_matches_whole_codes_only(store, seed_items):
    _, factory = store
    wanted = []
    for start, flags in enumerate(["jargon", "tm-conflict;jargon", "jargon;format", "format;jargon;too-long",
                                   "jargon-like", "no-jargon", "", "100%_jargon"], start=1):
        ids = seed_items(factory, 1, flags=flags, start=start)
        if "jargon" in flags.split(";"):
            wanted += ids
    with factory() as s:
        got = [i.id for i in queue.page(s, queue.QueueFilter(flag="jargon", state=None)).items]
        wildcard = queue.page(s, queue.QueueFilter(flag="%", state=None)).items
    assert sorted(got) == sorted(wanted)
    assert wildcard == []  # a LIKE wildcard typed as a flag code matches nothing
