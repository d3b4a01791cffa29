"""`helder suggest --suggester llm` and `helder run --suggester llm` against the fake server."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tests.fake_openai import answer_for, fake_llm  # noqa: F401  (fixture)

REPO = Path(__file__).resolve().parent.parent
HELDER = REPO / ".venv" / "bin" / "helder"
CONTRACT = ["conceptId", "term", "suggestion", "explanation", "confidence", "origin", "flags", "flagReasons", "similar"]


def write_inputs(folder: Path) -> tuple[Path, Path]:
    inp, tm = folder / "in.tsv", folder / "tm.tsv"
    inp.write_text("conceptId\tterm\n100000000\tontsteking van de teen\n100001001\tbreuk van de pink\n"
                   "100002008\tacute bronchitis\n", encoding="utf-8")
    tm.write_text("conceptId\tterm\tpatientTerm\texplanation\n900001007\tacute bronchitis\t"
                  "plotselinge ontsteking van de luchtwegen\t\n900002000\thypertensie\thoge bloeddruk\t\n", encoding="utf-8")
    return inp, tm


def helder_suggest(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    inp, tm = folder / "in.tsv", folder / "tm.tsv"
    env = {**os.environ}
    env.pop("HELDER_CONFIG", None)
    return subprocess.run([str(HELDER), "suggest", str(inp), "--tm", str(tm), "--out", str(folder / "out.tsv"),
                           "--suggester", "llm", "--model", "fake", *extra],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


def test_helder_suggest_llm_writes_the_contract_and_pays_once(fake_llm, tmp_path):
    write_inputs(tmp_path)
    done = helder_suggest(tmp_path)
    assert done.returncode == 0, done.stderr
    out = pl.read_csv(tmp_path / "out.tsv", separator="\t", infer_schema=False)
    assert out.columns == CONTRACT
    rows = {r["conceptId"]: r for r in out.iter_rows(named=True)}
    for cid, term in (("100000000", "ontsteking van de teen"), ("100001001", "breuk van de pink"),
                      ("100002008", "acute bronchitis")):
        assert rows[cid]["origin"] == "llm"
        assert (rows[cid]["suggestion"], rows[cid]["explanation"]) == answer_for(term)
        assert 0 <= float(rows[cid]["confidence"]) <= 1
    assert fake_llm.requests == 1
    assert (tmp_path / "llm-cache.sqlite").is_file()  # HELDER_LLM_CACHE, set by the fixture
    again = helder_suggest(tmp_path)
    assert again.returncode == 0 and fake_llm.requests == 1
    forced = helder_suggest(tmp_path, "--no-cache")
    assert forced.returncode == 0 and fake_llm.requests == 2


def test_helder_suggest_keeps_its_cache_beside_the_output(fake_llm, tmp_path, monkeypatch):
    monkeypatch.delenv("HELDER_LLM_CACHE")
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        write_inputs(folder)
    assert helder_suggest(first).returncode == 0 and fake_llm.requests == 1
    assert (first / ".helder-llm-cache.sqlite").is_file()
    assert helder_suggest(first).returncode == 0 and fake_llm.requests == 1   # rerun: paid already
    assert helder_suggest(second).returncode == 0 and fake_llm.requests == 2  # another job, its own cache


def test_helder_suggest_llm_falls_back_on_an_unsafe_answer(fake_llm, tmp_path):
    fake_llm.item_rules["100002008"] = "injection"
    write_inputs(tmp_path)
    done = helder_suggest(tmp_path)
    assert done.returncode == 0, done.stderr
    out = pl.read_csv(tmp_path / "out.tsv", separator="\t", infer_schema=False)
    row = out.filter(pl.col("conceptId") == "100002008").row(0, named=True)
    assert row["origin"] != "llm" and row["suggestion"] == "plotselinge ontsteking van de luchtwegen"
    assert "ignore" not in (row["suggestion"] + (row["explanation"] or "")).lower()


def test_helder_suggest_llm_flags_the_refused_answer(fake_llm, tmp_path):
    fake_llm.item_rules["100002008"] = "markup"
    write_inputs(tmp_path)
    assert helder_suggest(tmp_path).returncode == 0
    out = pl.read_csv(tmp_path / "out.tsv", separator="\t", infer_schema=False)
    assert "unsafe-output" in out.filter(pl.col("conceptId") == "100002008")["flags"][0].split(";")


def test_helder_suggest_llm_without_endpoint_fails_with_one_line(tmp_path):
    write_inputs(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    done = subprocess.run([str(HELDER), "suggest", "in.tsv", "--tm", "tm.tsv", "--out", "out.tsv", "--suggester",
                           "llm", "--model", "fake"], cwd=tmp_path, env={**env, "HELDER_LLM_CACHE": str(tmp_path / "c")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "OPENAI_API_KEY" in done.stderr + done.stdout
    # Said in Dutch, from the catalogue (llm.setup.no-key), in one line.
    assert done.stderr.strip() == "helder: OPENAI_API_KEY is niet gezet (zet voor een lokale server OPENAI_BASE_URL; elke sleutel is dan goed)"
    assert not (tmp_path / "out.tsv").exists()


def test_helder_run_llm_queues_llm_suggestions_and_records_tokens(fake_llm, helder_env, db_url):
    from cli import app
    from review_queue.db import open_store
    from review_queue.models import Run, Suggestion
    from terms.sample import sample_path

    runner = CliRunner()
    ingest = runner.invoke(app, ["ingest", str(sample_path("snapshot"))], catch_exceptions=False)
    assert ingest.exit_code == 0, ingest.output
    result = runner.invoke(app, ["run", "--suggester", "llm", "--model", "fake", "--limit", "30"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    engine, factory = open_store(db_url)
    try:
        with factory() as s:
            primary = s.execute(select(Suggestion).where(Suggestion.is_primary)).scalars().all()
            run = s.execute(select(Run).order_by(Run.id.desc())).scalars().first()
    finally:
        engine.dispose()
    assert primary and fake_llm.requests >= 1
    llm = [p for p in primary if p.origin == "llm"]
    assert len(llm) == len(primary)
    assert all(p.model == "fake" and p.prompt_version and p.tokens_in > 0 for p in llm)
    asked = {i for e in fake_llm.state.log for i in e["ids"]}
    assert {p.concept_id for p in llm} <= asked
    assert run.status == "completed"
    assert "gewoon " in llm[0].text


def test_helder_run_batch_submits_then_a_later_run_collects(fake_llm, helder_env, db_url):
    from cli import app
    from review_queue.db import open_store
    from review_queue.models import LLMBatchJob, Suggestion
    from terms.sample import sample_path

    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(sample_path("snapshot"))], catch_exceptions=False).exit_code == 0
    args = ["run", "--suggester", "llm", "--model", "fake", "--batch", "--limit", "25"]
    first = runner.invoke(app, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    engine, factory = open_store(db_url)
    try:
        with factory() as s:
            jobs = s.execute(select(LLMBatchJob)).scalars().all()
            assert len(jobs) == 1 and jobs[0].collected_at is None
            submitted = {i["conceptId"] for r in jobs[0].items_json["requests"].values() for i in r}
            assert len(submitted) == 25
            assert not s.execute(select(Suggestion)).scalars().all()  # nothing queued yet: still pending
        second = runner.invoke(app, args, catch_exceptions=False)
        assert second.exit_code == 0, second.output
        with factory() as s:
            primary = s.execute(select(Suggestion).where(Suggestion.is_primary)).scalars().all()
            job = s.execute(select(LLMBatchJob)).scalars().first()
    finally:
        engine.dispose()
    assert job.collected_at is not None
    assert submitted <= {p.concept_id for p in primary}
    assert all(p.origin == "llm" for p in primary if p.concept_id in submitted)
    assert fake_llm.requests == 0  # everything went through the batch endpoint
