"""The command line as an operator uses it: the demo end to end, ingest, TM files, errors, status.

Commands run through typer's CliRunner on the real app against SQLite and PostgreSQL
(`helder_env` sets HELDER_DB_URL and a temp working directory).
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from review_queue.db import open_store
from review_queue.models import Concept, PatientTerm, ReviewItem
from terms.rf2 import read_release
from terms.sample import sample_path
from terms.tm import tm_from_release

runner = CliRunner()


def helder(*args: str, code: int = 0):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"helder {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result


def _count(url: str, model, *where) -> int:
    engine, factory = open_store(url)
    try:
        with factory() as s:
            return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    finally:
        engine.dispose()


def test_demo_runs_the_whole_flow(helder_env, db_url):
    out = helder("demo").output
    releases = sorted(p for p in (helder_env / "releases").iterdir() if p.is_dir())
    assert len(releases) == 2
    first, second = releases
    assert f"7. Release {second.name} gepubliceerd; de rf2/Delta ervan bevat wat er sinds {first.name} is veranderd." in out
    assert out.startswith("1. Voorbeeldrelease ingelezen (Snapshot 20250930): 594 concepten")
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["version"] == second.name
    # The second release's Delta names the concepts the sample Delta inactivated or changed.
    delta = read_release(second / "rf2" / "Delta")
    assert delta.descriptions.height > 0
    published = tm_from_release(read_release(second / "rf2" / "Snapshot"))
    sample_tm = tm_from_release(read_release(sample_path("snapshot")))
    # Every TM term of the sample that is still current is published, plus what the demo approved.
    assert published.height >= sample_tm.height - 5
    assert _count(db_url, ReviewItem, ReviewItem.state.in_(["approved", "edited"])) >= 8


def test_ingest_then_rerun_changes_nothing(helder_env, db_url):
    helder("ingest", str(sample_path("snapshot")))
    concepts = _count(db_url, Concept)
    tm = _count(db_url, PatientTerm, PatientTerm.active)
    assert concepts == 594 and tm == tm_from_release(read_release(sample_path("snapshot"))).height
    out = helder("ingest", str(sample_path("snapshot"))).output
    assert "Snapshot 20250930 ingelezen uit" in out and "0 nieuwe concepten" in out
    assert (_count(db_url, Concept), _count(db_url, PatientTerm, PatientTerm.active)) == (concepts, tm)
    first = helder("run").output
    assert "voorstellen in de wachtrij" in first and first.startswith("Run 1 klaar: ") and "completed" not in first
    items = _count(db_url, ReviewItem)
    assert items == 594 - tm
    helder("run")  # a second night finds nothing new to propose
    assert _count(db_url, ReviewItem) == items


def test_malformed_release_is_refused_and_nothing_is_written(helder_env, db_url):
    broken = helder_env / "broken"
    shutil.copytree(sample_path("snapshot"), broken)
    path = next(broken.rglob("der2_cRefset_Language*"))
    lines = path.read_bytes().split(b"\r\n")
    lines[41] = lines[41].replace(b"\t1\t", b"\tja\t", 1)
    path.write_bytes(b"\r\n".join(lines))
    result = runner.invoke(app, ["ingest", str(broken)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert message.count("\n") == 0 and f"{path}:42:" in message and "active" in message
    assert _count(db_url, Concept) == 0


def test_tm_import_from_a_spreadsheet_and_its_errors(helder_env, db_url):
    helder("ingest", str(sample_path("snapshot")))
    before = _count(db_url, PatientTerm, PatientTerm.active)
    release = read_release(sample_path("snapshot"))
    untranslated = release.concepts.join(tm_from_release(release), left_on="id", right_on="conceptId", how="anti")
    concept = untranslated["id"][0]
    clinical = release.descriptions.filter((pl.col("conceptId") == concept) & (pl.col("languageCode") == "nl")
                                           & pl.col("active"))["term"][0]
    pairs = pl.DataFrame({"conceptId": [concept], "term": [clinical], "patientTerm": ["een nieuwe term"],
                          "explanation": ["Uitleg in eenvoudige woorden."]})
    from terms.tm import write_table
    write_table(pairs, helder_env / "pairs.xlsx")
    helder("tm", "import", "pairs.xlsx")
    assert _count(db_url, PatientTerm, PatientTerm.active) == before + 1
    assert _count(db_url, PatientTerm, PatientTerm.active, PatientTerm.term == "een nieuwe term") == 1
    helder("tm", "export", "tm.tsv")
    exported = pl.read_csv(helder_env / "tm.tsv", separator="\t", infer_schema=False)
    assert "een nieuwe term" in exported["patientTerm"].to_list()
    (helder_env / "bad.csv").write_text("conceptId,term,patientTerm\n123,a,\n", encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", "bad.csv"])
    assert result.exit_code == 1 and "bad.csv:2: patientTerm is leeg" in result.output
    # a newcomer's shifted row: another concept's clinical term beside this concept's id is refused,
    # naming the line and both terms, and nothing is read
    other = untranslated["id"][1]
    (helder_env / "shifted.csv").write_text(f"conceptId,term,patientTerm\n{concept},{clinical},term een\n"
                                            f"{other},{clinical},term twee\n", encoding="utf-8")
    result = runner.invoke(app, ["tm", "import", "shifted.csv"])
    assert result.exit_code == 1, result.output
    assert f"shifted.csv:3: concept {other} heet '" in result.output and f"niet '{clinical}'" in result.output
    assert _count(db_url, PatientTerm, PatientTerm.active, PatientTerm.term == "term een") == 0


def test_suggest_and_check_never_write_over_what_they_read(tmp_path, monkeypatch):
    """A newcomer's `suggest terms.tsv --out terms.tsv` replaced the input with the proposals."""
    monkeypatch.chdir(tmp_path)
    from terms.tm import write_table
    write_table(tm_from_release(read_release(sample_path("snapshot"))), tmp_path / "tm.tsv")
    (tmp_path / "in.tsv").write_text("conceptId\tterm\n85189001\tacute appendicitis\n", encoding="utf-8")
    before = (tmp_path / "in.tsv").read_bytes()
    for cmd, out in (("suggest", "in.tsv"), ("suggest", "./tm.tsv"), ("check", "in.tsv")):
        result = helder(cmd, "in.tsv", "--tm", "tm.tsv", "--out", out, code=1)
        assert "is een bestand dat de opdracht leest" in result.output and len(result.output.strip().splitlines()) == 1
    assert (tmp_path / "in.tsv").read_bytes() == before


def test_suggest_and_check_file_to_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tm = tm_from_release(read_release(sample_path("snapshot")))
    from terms.tm import write_table
    write_table(tm, tmp_path / "tm.tsv")
    work = pl.DataFrame({"conceptId": ["85189001", "4556007"], "term": ["acute appendicitis links", "chronische gastritis"]})
    write_table(work, tmp_path / "in.csv")
    out = helder("suggest", "in.csv", "--tm", "tm.tsv", "--out", "out.tsv").output
    assert "2 regels geschreven naar out.tsv; vlaggen: " in out
    got = pl.read_csv(tmp_path / "out.tsv", separator="\t", infer_schema=False)
    assert got.columns[:2] == ["conceptId", "term"]
    assert {"suggestion", "explanation", "confidence", "origin", "flags", "similar"} <= set(got.columns)
    assert got["suggestion"].null_count() == 0
    checked = work.with_columns(suggestion=pl.Series(["blindedarmontsteking", "<b>maagontsteking</b>"]))
    write_table(checked, tmp_path / "agency.tsv")
    helder("check", "agency.tsv", "--tm", "tm.tsv", "--out", "checked.tsv")
    flags = pl.read_csv(tmp_path / "checked.tsv", separator="\t", infer_schema=False)["flags"].fill_null("").to_list()
    assert "lost-qualifier" in flags[0]  # 'links' is gone
    assert "unsafe-output" in flags[1]  # markup
    result = runner.invoke(app, ["suggest", "missing.tsv", "--tm", "tm.tsv", "--out", "x.tsv"])
    assert result.exit_code == 1 and "helder: missing.tsv: bestand bestaat niet" in result.output
    assert not (tmp_path / "x.tsv").exists()


def test_status_users_and_tokens(helder_env, monkeypatch):
    helder("ingest", str(sample_path("snapshot")))
    helder("run", "--limit", "20")
    status = json.loads(helder("status", "--json").output)
    assert status["concepts_active"] == 594
    assert status["review_items"].get("proposed") == 20
    assert status["runs"][0]["status"] == "completed"
    # The text says the states in Dutch (review.state.*, run.status.*); --json keeps the codes.
    text = helder("status").output
    queue = next(line for line in text.splitlines() if line.startswith("Wachtrij: "))
    assert queue.startswith("Wachtrij: voorgesteld 20 (open: ")
    run_line = next(line for line in text.splitlines() if line.startswith("Run "))
    assert run_line.startswith(f"Run {status['runs'][0]['id']}: klaar, 20 voorgesteld, gestart ")
    assert run_line.split("gestart ")[1].split(" ")[0].endswith("+00:00")  # a time with its zone
    codes = ("proposed", "approved", "edited", "rejected", "deferred", "completed", "running", "failed")
    assert [c for c in codes if re.search(rf"\b{c}\b", text)] == []
    monkeypatch.setenv("PW", "correct horse battery")
    helder("user", "add", "anna", "--role", "admin", "--password-env", "PW")
    assert "anna\tadmin\tactief" in helder("user", "list").output
    helder("user", "add", "anna", "--password-env", "PW", code=1)
    helder("user", "disable", "anna", code=1)  # the last active admin stays
    helder("user", "add", "beheer", "--role", "admin", "--password-env", "PW")
    helder("user", "disable", "anna")
    assert "anna\tadmin\tuitgeschakeld" in helder("user", "list").output
    token = helder("token", "create", "PGO Voorbeeld").stdout.strip().splitlines()[0]
    assert len(token) > 30 and token not in helder("token", "list").output
    assert helder("token", "revoke", "PGO Voorbeeld").output.strip() == "1 token(s) ingetrokken"
    assert "PGO Voorbeeld\t" in (listed := helder("token", "list").output) and listed.rstrip().endswith("\tingetrokken")
    r = helder("token", "revoke", "PGO Voorbeeld", code=1)  # nothing left to revoke
    assert r.output.strip() == "helder: geen actief token gevonden"


@pytest.mark.parametrize("command", [
    [], ["ingest"], ["tm"], ["tm", "import"], ["run"], ["suggest"], ["check"], ["review"], ["review", "list"],
    ["review", "approve"], ["export"], ["release"], ["release", "create"], ["serve"], ["user"], ["user", "add"],
    ["token"], ["token", "create"], ["status"], ["nightly"], ["demo"],
])
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    if command not in ([], ["tm"], ["review"], ["release"], ["user"], ["token"]):
        assert "Example: helder" in " ".join(result.output.split()) or "Example (crontab)" in result.output, command


@pytest.mark.parametrize("command", [["ingest"], ["export"], ["nightly"], ["llm", "serve"], ["demo"]])
def test_help_paragraphs_wrap_at_the_terminal_not_at_the_docstrings_lines(command):
    """`ingest --help` in an 80-column terminal read '… is refused unless' / '--allow-older. …' and
    `export --help` "… previous release's" / 'when …': the docstring's own line breaks, each wrapped
    again. A paragraph wraps as one text: every line but a paragraph's last fills the width."""
    result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0
    text = result.output.split("Usage:", 1)[1].split("╭", 1)[0].splitlines()[1:]
    paragraphs = "\n".join(line.rstrip() for line in text).strip().split("\n\n")
    for para in paragraphs:
        lines = para.splitlines()
        for line, following in zip(lines, lines[1:]):
            # wrapped here only if the next word did not fit in the 80 columns (with the border)
            assert len(line) + 1 + len(following.split()[0]) > 76, (command, line, following)


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"helder {version('helder')}\n"
    assert version("helder") == _pyproject_version()


def test_version_falls_back_to_pyproject_when_helder_is_not_installed(monkeypatch):
    import importlib.metadata

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"helder {_pyproject_version()}\n"


def _pyproject_version() -> str:
    import tomllib

    with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def test_every_cli_message_is_in_the_catalogue_and_every_cli_entry_is_used():
    """cli.py prints Dutch from terms/messages/cli.toml: the keys it names exist, and none is left over."""
    import re

    import cli
    from terms import messages

    source = Path(cli.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r'"(cli\.[a-z0-9_.-]+)"', source))
    assert named and named <= set(messages.keys("cli."))
    assert set(messages.keys("cli.")) - named == set()
    # No English sentence left in an echo or an error: every text goes through message().
    assert not re.findall(r'(?:typer\.echo|fail|say)\(\s*f?"(?!helder: \{)[A-Za-z]', source)


def test_user_add_asks_the_password_twice_in_dutch(helder_env):
    result = runner.invoke(app, ["user", "add", "carla"], input="geheim-123\ngeheim-124\ngeheim-123\ngeheim-123\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Wachtwoord: ") == 2 and result.output.count("Wachtwoord nog eens: ") == 2
    assert "De twee wachtwoorden zijn niet gelijk; probeer het opnieuw." in result.output
    assert result.output.rstrip().endswith("Gebruiker carla toegevoegd als beoordelaar (reviewer)")
    stopped = runner.invoke(app, ["user", "add", "dirk"], input="")
    assert stopped.exit_code == 1 and "helder: gestopt zonder wachtwoord; er is niets gewijzigd" in stopped.output
    assert "dirk" not in helder("user", "list").output


def test_demo_never_replaces_a_store_it_did_not_make(tmp_path, monkeypatch):
    """`helder demo` deleted ./helder.db without a word: an operator's real store in the working
    folder was lost. Only a helder.db an earlier demo made (marked beside it) is replaced."""
    monkeypatch.delenv("HELDER_DB_URL", raising=False)
    real = tmp_path / "helder.db"
    real.write_bytes(b"an operator's store")
    out = helder("demo", "--workdir", str(tmp_path), code=1).output
    assert "bestaat al en is niet door een demo gemaakt" in out and len(out.strip().splitlines()) == 1
    assert real.read_bytes() == b"an operator's store"
    (tmp_path / ".helder-demo").write_text("demo\n")
    out = helder("demo", "--workdir", str(tmp_path)).output
    assert out.startswith("1. Voorbeeldrelease ingelezen")
    assert real.read_bytes() != b"an operator's store"


def test_release_diff_reads_as_dutch_text_and_gives_json_on_request(helder_env, pf_terms):
    """`release diff` printed only JSON, while `release list` prints a table; a wrong version was
    refused in English. It prints Dutch text; --json keeps the document for scripts."""
    factory = open_store(os.environ["HELDER_DB_URL"])[1]
    pf_terms.approve(factory, 1, "suikerziekte")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    pf_terms.approve(factory, 3, "nierstenen")
    helder("export", "--version", "2026-11-01", "--user", "anna")
    pf_terms.approve(factory, 4, "galstenen")
    pf_terms.approve(factory, 2, "te hoge bloeddruk")
    pf_terms.withdraw(factory, 3)
    helder("export", "--version", "2026-11-24", "--user", "anna")
    c = pf_terms.concept
    assert helder("release", "diff", "2026-11-01", "2026-11-24").output.splitlines() == [
        "Van release 2026-11-01 naar 2026-11-24: 1 nieuw, 1 gewijzigd, 1 ingetrokken, 0 achtergehouden",
        "Nieuw (1):", f"  {c(4)}  galstenen",
        "Gewijzigd (1):", f"  {c(2)}  hoge bloeddruk → te hoge bloeddruk",
        "Ingetrokken (1):", f"  {c(3)}  nierstenen",
        "Waarom elke term is ingetrokken of achtergehouden, staat in RELEASE-NOTES.md van release 2026-11-24 "
        "en in helder release diff --json."]
    doc = json.loads(helder("release", "diff", "2026-11-01", "2026-11-24", "--json").output)
    assert (doc["from"], doc["to"], doc["counts"]) == ("2026-11-01", "2026-11-24",
                                                       {"new": 1, "changed": 1, "withdrawn": 1, "heldBack": 0})
    assert list(doc) == ["from", "to", "counts", "new", "changed", "withdrawn", "heldBack"]
    assert helder("release", "diff", "2026-11-24", "2026-11-24").output.splitlines() == [
        "Van release 2026-11-24 naar 2026-11-24: 0 nieuw, 0 gewijzigd, 0 ingetrokken, 0 achtergehouden"]
    r = runner.invoke(app, ["release", "diff", "2026-11-24", "nope"])
    assert r.exit_code == 1 and r.output.strip() == "helder: geen release 'nope'"


def test_release_list_is_a_table_with_zoned_times_and_json_on_request(helder_env, pf_terms):
    """`release list` printed a JSON blob and a time without a zone. It prints a table; the time is
    ISO 8601 in UTC with its offset, here and in --json and status."""
    from datetime import datetime, timedelta, timezone

    factory = open_store(os.environ["HELDER_DB_URL"])[1]
    assert helder("release", "list").output.strip() == "Nog geen release; maak er een met helder export"
    pf_terms.approve(factory, 1, "suikerziekte")
    helder("export", "--version", "2026-11-01", "--user", "anna")
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    helder("export", "--version", "2026-11-24", "--user", "anna")
    lines = helder("release", "list").output.splitlines()
    assert lines[0].split() == ["versie", "effectiveTime", "gemaakt", "(UTC)", "door", "concepten", "nieuw",
                                "gewijzigd", "ingetrokken", "achtergehouden", "map"]
    rows = [line.split() for line in lines[1:]]
    assert [r[:2] + r[3:9] for r in rows] == [["2026-11-24", "20261124", "anna", "2", "1", "0", "0", "0"],
                                              ["2026-11-01", "20261101", "anna", "1", "1", "0", "0", "0"]]
    now = datetime.now(timezone.utc)
    for r in rows:
        created = datetime.fromisoformat(r[2])
        assert r[2].endswith("+00:00") and created.utcoffset() == timedelta(0)
        assert now - timedelta(minutes=5) < created <= now
        assert r[9].endswith(f"releases/{r[0]}")
    listed = [json.loads(line) for line in helder("release", "list", "--json").output.splitlines()]
    assert [(r["version"], r["effective_time"], r["created_at"]) for r in listed] == [(r[0], r[1], r[2]) for r in rows]
    started = json.loads(helder("status", "--json").output)["last_release"]["created_at"]
    assert started == rows[0][2]


def test_a_second_release_on_one_day_says_why_it_is_dated_the_next_day(helder_env, pf_terms):
    """A second release that day gets the next day's effectiveTime (exports.release: a published
    RF2 row never changes). A newcomer read that date in the future as a fault: the line says why."""
    factory = open_store(os.environ["HELDER_DB_URL"])[1]
    pf_terms.approve(factory, 1, "suikerziekte")
    first = helder("export", "--version", "2026-11-24", "--user", "anna").output
    assert "(effectiveTime 20261124)" in first and "gedateerd op" not in first
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    second = helder("export", "--version", "2026-11-24.2", "--user", "anna").output
    assert "(effectiveTime 20261125); gedateerd op 20261125, na de vorige release" in second


def _effective_times(root: Path) -> list[str]:
    return sorted(json.loads((d / "manifest.json").read_text())["effectiveTime"]
                  for d in root.iterdir() if (d / "manifest.json").is_file())


def test_a_second_demo_replaces_its_own_releases_with_its_store(tmp_path, monkeypatch):
    """A second `helder demo` in one folder started a new "first" release beside the old ones,
    with the same effectiveTime. The demo's releases go with the store it replaces."""
    monkeypatch.delenv("HELDER_DB_URL", raising=False)
    helder("demo", "--workdir", str(tmp_path))
    helder("demo", "--workdir", str(tmp_path))
    root = tmp_path / "releases"
    times = _effective_times(root)
    assert len(times) == 2 and len(set(times)) == 2  # one release line: each effectiveTime once
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'helder.db'}")
    listed = [json.loads(line) for line in helder("release", "list", "--json").output.splitlines()]
    assert sorted(r["path"] for r in listed) == sorted(str(d.resolve()) for d in root.iterdir())


def test_a_demo_never_replaces_its_store_once_someone_worked_in_it(tmp_path, monkeypatch):
    """A newcomer approved an item and exported in the demo's store; the next `helder demo` deleted
    that release and the decisions without a word. Work the demo did not do stops it, named."""
    monkeypatch.delenv("HELDER_DB_URL", raising=False)
    helder("demo", "--workdir", str(tmp_path))
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'helder.db'}")
    item = helder("review", "list").output.split()[0]
    helder("review", "approve", item, "--user", "anna")
    monkeypatch.chdir(tmp_path)
    helder("export", "--user", "anna")
    before = sorted(d.name for d in (tmp_path / "releases").iterdir())
    monkeypatch.delenv("HELDER_DB_URL")
    out = helder("demo", "--workdir", str(tmp_path), code=1).output
    assert len(out.strip().splitlines()) == 1
    assert "bevat werk dat de demo niet deed (beslissingen van anna, release 2026-" in out
    assert sorted(d.name for d in (tmp_path / "releases").iterdir()) == before and len(before) == 3
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'helder.db'}")
    assert "anna" in helder("review", "show", item).output


def test_export_beside_releases_another_store_made_is_refused(tmp_path, monkeypatch, pf_terms):
    """A store that did not make the releases in a folder would publish an effectiveTime again,
    with other ids: export refuses, naming the newest such release, and writes nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'first.db'}")
    pf_terms.approve(open_store(os.environ["HELDER_DB_URL"])[1], 1, "suikerziekte")
    helder("export", "--version", "2026-11-24")
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'second.db'}")
    factory = open_store(os.environ["HELDER_DB_URL"])[1]
    pf_terms.approve(factory, 2, "hoge bloeddruk")
    out = helder("export", code=1).output
    assert out.strip() == ("helder: releases bevat releases die deze database niet heeft gemaakt (1; de nieuwste is "
                           "2026-11-24, effectiveTime 20261124); een nieuwe release ernaast zou een effectiveTime "
                           "opnieuw publiceren, met andere ids. Kies een andere map of verplaats die releases")
    assert [d.name for d in (tmp_path / "releases").iterdir()] == ["2026-11-24"]
    assert helder("release", "list").output.strip() == "Nog geen release; maak er een met helder export"
    helder("export", "--root", "other")  # its own folder: its own release line
    assert _effective_times(tmp_path / "other") != [] and _effective_times(tmp_path / "releases") == ["20261124"]


def test_demo_beside_releases_it_did_not_make_stops_before_writing(tmp_path, monkeypatch):
    monkeypatch.delenv("HELDER_DB_URL", raising=False)
    made = tmp_path / "made"
    helder("demo", "--workdir", str(made))
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(made / "releases", elsewhere / "releases")
    out = helder("demo", "--workdir", str(elsewhere), code=1).output
    assert "releases bevat releases die deze database niet heeft gemaakt (2;" in out
    assert sorted(p.name for p in elsewhere.iterdir()) == ["releases"]  # no store, no marker


@pytest.mark.parametrize("args,line", [
    (["review", "reject", "3"], "helder review reject: --reason ontbreekt (zie helder review reject --help)"),
    (["review", "lijst"], "helder review: onbekende opdracht 'lijst' (zie helder review --help)"),
    (["status", "--foo"], "helder status: onbekende optie --foo (zie helder status --help)"),
    (["review", "approve", "x"], "helder review approve: ongeldige waarde voor ITEM_ID: een geheel getal "
                                 "verwacht (zie helder review approve --help)"),
])
def test_click_usage_errors_are_one_dutch_line(monkeypatch, capsys, args, line):
    """A newcomer met click's English boxes ("Missing option '--reason'", "No such command 'lijst'")."""
    import cli

    monkeypatch.setattr("sys.argv", ["helder", *args])
    with pytest.raises(SystemExit) as stopped:
        cli.run()
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == line
