"""Benchmark: the review workspace with 400,000 items in the queue, on SQLite and PostgreSQL.

p95 latency (ms) over in-process HTTP requests (FastAPI TestClient: routing, auth, database,
template rendering) of: the queue page at random deep keyset cursors and with filters, the
item page, a decision (approve, POST), and claiming the next item. Baseline in the same run on
the same data: the queue query as OFFSET paging to the same depth plus an uncached COUNT per
filter (SQL only, no rendering, which flatters the baseline). Target ≤ 100 ms.

    python -m bench.bench_web            # appends to bench/results.md
    python -m bench.run --only web
PostgreSQL: HELDER_TEST_PG_URL, or a private cluster started with the machine's initdb/pg_ctl.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

N_ITEMS = int(os.environ.get("HELDER_BENCH_WEB_ITEMS", "400000"))
CHUNK = 20_000
REQUESTS = 100
TAGS = ["disorder", "procedure", "finding", "body structure", "substance", "organism"]
ORIGINS = ["llm", "lexicon", "tm-fuzzy", "tm-exact"]
FLAGS = [("", None), ("jargon", "warning"), ("tm-conflict", "error"), ("lost-qualifier", "warning"),
         ("same-as-source", "info")]


def _fill(engine, n: int) -> float:
    from sqlalchemy import insert

    from review_queue.models import Concept, ReviewItem, Suggestion

    rng = random.Random(7)
    t0 = time.perf_counter()
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        for start in range(1, n + 1, CHUNK):
            stop = min(n + 1, start + CHUNK)
            concepts, items, suggestions = [], [], []
            for i in range(start, stop):
                cid = str(10_000_000 + i)
                tag = TAGS[i % len(TAGS)]
                flags, sev = FLAGS[i % len(FLAGS)]
                conf = round(rng.random(), 3)
                term = f"ontsteking van structuur {i}"
                concepts.append(dict(id=cid, active=True, effective_time="20250101", module_id="11000146104",
                                     term_nl=term, fsn_en=f"Inflammation of structure {i} ({tag})",
                                     semantic_tag=tag, updated_at=now))
                items.append(dict(id=i, concept_id=cid, state="proposed", version=1, source_term=term,
                                  semantic_tag=tag, proposal=f"zwelling van deel {i}", origin=ORIGINS[i % 4],
                                  confidence=conf, flags=flags, max_severity=sev, needs_second_review=False,
                                  created_at=now, updated_at=now))
                details = [{"code": flags, "severity": sev, "reason": f"lijkt op de term van {10_000_000 + i + 1}",
                            "related": [str(10_000_000 + i + 1)]}] if flags else []
                suggestions.append(dict(id=i, item_id=i, concept_id=cid, is_primary=True, text=f"zwelling van deel {i}",
                                        explanation="Het deel is dik en pijnlijk.", origin=ORIGINS[i % 4],
                                        confidence=conf, flags=flags, flag_details=details,
                                        similar=[{"conceptId": str(10_000_000 + i + 1), "term": "x", "patientTerm": "y",
                                                  "score": 80}], tokens_in=0, tokens_out=0, created_at=now))
            conn.execute(insert(Concept), concepts)
            conn.execute(insert(ReviewItem), items)
            conn.execute(insert(Suggestion), suggestions)
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            for table in ("review_items", "suggestions", "concepts"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n + 1}, false)")
                             if table != "concepts" else text("SELECT 1"))
            conn.execute(text("ANALYZE"))
        else:
            from sqlalchemy import text

            conn.execute(text("ANALYZE"))
    return time.perf_counter() - t0


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(round(0.95 * len(samples))) - 1)] * 1000


def _time(fn, n=REQUESTS) -> list[float]:
    out = []
    for k in range(n):
        t0 = time.perf_counter()
        fn(k)
        out.append(time.perf_counter() - t0)
    return out


def _measure(url: str, n: int) -> dict:
    import re

    from fastapi.testclient import TestClient
    from sqlalchemy import func, select, text

    from review_queue import queue, users
    from review_queue.db import open_store
    from review_queue.models import ReviewItem
    from review_queue.web import create_app

    engine, factory = open_store(url)
    fill_s = _fill(engine, n)
    with factory() as s, s.begin():
        users.add_user(s, "bench", "wachtwoord-bench")
    app = create_app(factory, {"secret": "bench"})
    client = TestClient(app)
    tok = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "bench", "password": "wachtwoord-bench", "csrf": tok})
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)
    rng = random.Random(1)
    res: dict[str, float] = {"fill_s": fill_s}

    def ok(r):
        assert r.status_code in (200, 303), (r.status_code, r.text[:200])

    deep = [rng.randrange(1, n - 100) for _ in range(REQUESTS)]
    res["queue page (deep keyset cursor)"] = _p95(_time(lambda k: ok(client.get("/", params={"after": deep[k]}))))
    filters = [{"tag": "procedure"}, {"severity": "error"}, {"origin": "llm", "min": "0.2", "max": "0.4"},
               {"flag": "jargon"}, {"state": "all"}]
    res["queue page (filters, deep cursor)"] = _p95(_time(
        lambda k: ok(client.get("/", params={**filters[k % len(filters)], "after": deep[k]}))))
    res["queue page (sorted by confidence)"] = _p95(_time(
        lambda k: ok(client.get("/", params={"sort": "confidence" if k % 2 else "-confidence",
                                             "after": f"{rng.random():.3f}:{deep[k]}"}))))
    res["search by concept id"] = _p95(_time(
        lambda k: ok(client.get("/", params={"q": str(10_000_000 + deep[k])}))))
    res["search by words in the term (SQLite scan, PostgreSQL trigram index)"] = _p95(_time(
        lambda k: ok(client.get("/", params={"q": f"structuur {deep[k]}"})), 30))
    t0 = time.perf_counter()
    queue.clear_count_cache()
    with factory() as s:
        queue.counts(s)
    res["counts, cold (first request only; later recounts run in the background)"] = (time.perf_counter() - t0) * 1000
    ids = [rng.randrange(1, n) for _ in range(REQUESTS)]
    res["item page"] = _p95(_time(lambda k: ok(client.get(f"/item/{ids[k]}"))))
    decide_ids = rng.sample(range(1, n), REQUESTS)
    res["decision (approve)"] = _p95(_time(lambda k: ok(client.post(
        # A reason, since a fifth of the items carry an error flag (tm-conflict), which needs one.
        f"/item/{decide_ids[k]}/approve", data={"csrf": csrf, "version": 1, "reason": "bench"},
        follow_redirects=False))))
    res["claim next item"] = _p95(_time(lambda k: ok(client.get("/next", params={"after": deep[k]}, follow_redirects=False))))

    # Baseline: OFFSET paging and a fresh COUNT per filter, SQL only.
    def baseline(k):
        with engine.connect() as conn:
            conn.execute(select(ReviewItem).where(ReviewItem.state.in_(("proposed", "deferred")))
                         .order_by(ReviewItem.id).limit(50).offset(deep[k])).all()
            conn.execute(select(func.count()).select_from(ReviewItem)
                         .where(ReviewItem.flags.like("%jargon%"))).scalar()
            conn.execute(select(ReviewItem.semantic_tag, func.count()).group_by(ReviewItem.semantic_tag)).all()
    res["baseline: OFFSET page + uncached counts"] = _p95(_time(baseline, 30))
    engine.dispose()
    return res


def main(out_path: str | Path = "bench/results.md") -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = _measure(f"sqlite:///{tmp}/bench.db", N_ITEMS)
    pg_url = os.environ.get("HELDER_TEST_PG_URL")
    cluster = None
    if not pg_url:
        try:
            from tests.conftest import _PrivateCluster

            cluster = _PrivateCluster()
            pg_url = cluster.url
        except Exception as exc:  # no PostgreSQL binaries here
            print(f"bench_web: PostgreSQL skipped: {exc}", file=sys.stderr)
    if pg_url:
        from tests.conftest import _drop_pg_database, _fresh_pg_database

        if pg_url.startswith("postgresql://"):
            pg_url = "postgresql+psycopg://" + pg_url.removeprefix("postgresql://")
        url, name = _fresh_pg_database(pg_url)
        try:
            results["PostgreSQL"] = _measure(url, N_ITEMS)
        finally:
            _drop_pg_database(pg_url, name)
            if cluster:
                cluster.stop()
    rows = [k for k in next(iter(results.values())) if k != "fill_s"]
    lines = [f"\n## web: review workspace with {N_ITEMS:,} items\n",
             f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores. "
             f"p95 ms over {REQUESTS} in-process HTTP requests (baseline: 30 SQL-only runs). "
             "Target ≤ 100 ms. Command: `python -m bench.bench_web`.\n",
             "| measurement | " + " | ".join(results) + " |", "|---|" + "---:|" * len(results)]
    for key in rows:
        lines.append(f"| {key} | " + " | ".join(f"{r[key]:.1f}" for r in results.values()) + " |")
    lines.append("| (filling the store, s) | " + " | ".join(f"{r['fill_s']:.0f}" for r in results.values()) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(out_path, "a", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: python -m bench.bench_web --out /tmp/web.md")
    parser.add_argument("--out", default="bench/results.md", help="Markdown file the section is appended to.")
    main(parser.parse_args().out)
