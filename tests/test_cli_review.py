"""The review commands: an edit checked again like a proposal, keeping the clinical term, needs
wording, and the spreadsheet round trip from the shell."""
import json
from datetime import datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app
from review_queue.db import database_url, open_store
from review_queue.models import Decision, ReviewItem

runner = CliRunner()


def helder(*args, code=0):
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, f"helder {' '.join(args)} → {result.exit_code}\n{result.output}"
    return result


def _factory():
    return open_store(database_url())[1]


def test_review_edit_is_checked_again_and_keep_needs_a_reason(helder_env, seed_items, pf_terms):
    factory = _factory()
    pf_terms.approve(factory, 1, "suikerziekte", clinical="diabetes mellitus")
    (item_id,) = seed_items(factory, 1, start=5, term="diabetes type twee", proposal="suikerziekte type twee")
    (wording,) = seed_items(factory, 1, start=6, origin="none", term="griep", confidence=0.05)
    r = helder("review", "edit", str(item_id), "suikerziekte", "--user", "anna", code=1)
    assert "foutvlag (conflict met bestaande term" in r.output
    # a newcomer: the refusal said a flag, not what the checks found
    assert "Wat de checks vonden: " in r.output and "suikerziekte" in r.output.split("Wat de checks vonden: ")[1]
    helder("review", "edit", str(item_id), "suikerziekte", "--user", "anna", "--override", "bewust hetzelfde")
    r = helder("review", "approve", str(wording), "--user", "anna", code=1)
    assert "geen voorstel" in r.output
    listed = [json.loads(line) for line in helder("review", "list", "--state", "needs-wording", "--json").output.splitlines()]
    assert [(i["id"], i["needsWording"]) for i in listed] == [(wording, True)]
    shown = helder("review", "show", str(wording)).output
    assert shown.splitlines()[0] == f"Item {wording} (versie 1) — voorgesteld (proposed) — formulering nodig (geen voorstel)"
    assert "  klinisch       griep" in shown
    kept = helder("review", "keep", str(wording), "--user", "anna", "--reason", "griep is gewoon Nederlands")
    assert kept.output.strip() == f"Item {wording}: goedgekeurd (approved, versie 2)"
    # The history's time is UTC with its offset, as `release list` and `status` print times (no CET/CEST).
    (history,) = [line for line in helder("review", "show", str(wording)).output.splitlines()
                  if line.startswith("  geschiedenis")]
    at = history.split()[1]
    assert datetime.fromisoformat(at).utcoffset() == timedelta(0) and at.endswith("+00:00"), history
    assert "CET" not in history and "CEST" not in history
    with factory() as s:
        assert (s.get(ReviewItem, item_id).state, s.get(ReviewItem, wording).final_term) == ("edited", "griep")
        d = s.query(Decision).filter_by(item_id=item_id).one()
        assert "tm-conflict" in d.flags.split(";") and d.reason == "bewust hetzelfde"


def test_review_export_then_import_from_the_shell(helder_env, seed_items):
    factory = _factory()
    ids = seed_items(factory, 3, term="schouderklachten", proposal="last van de schouder")
    out = helder_env / "batch.xlsx"
    assert helder("review", "export", str(out)).output.strip() == f"Werkmap geschreven: {out}"
    wb = load_workbook(out)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("besluit") + 1, value="afwijzen")
    ws.cell(row=2, column=header.index("reden") + 1, value="te vaag")
    ws.cell(row=3, column=header.index("besluit") + 1, value="aanpassen")
    ws.cell(row=3, column=header.index("eindterm") + 1, value="frozen shoulder")
    buf = BytesIO()
    wb.save(buf)
    out.write_bytes(buf.getvalue())
    r = helder("review", "import", str(out), "--user", "anna", code=1)  # the edit is English: an error flag
    assert "regel 3:" in r.output and f"helder: {out}: niets toegepast, 1 probleem(en)" in r.output
    with factory() as s:
        assert [s.get(ReviewItem, i).state for i in ids] == ["proposed"] * 3
    ws.cell(row=3, column=header.index("eindterm") + 1, value="stijve schouder")
    wb.save(out)
    assert (f"2 besluit(en) toegepast uit {out}; 1 regel(s) zonder besluit"
            in helder("review", "import", str(out), "--user", "anna").output)
    with factory() as s:
        assert [s.get(ReviewItem, i).state for i in ids] == ["rejected", "edited", "proposed"]


def test_list_and_show_agree_on_a_clinical_term_a_delta_changed(helder_env):
    """A fresh user saw `stale-source` in `review list` but not in `review show`, and `show` still
    printed the clinical term the Delta had replaced. Both read the item's current clinical term
    and the same flags; the flag says which term the proposal was made for."""
    from terms.sample import sample_path

    helder("ingest", str(sample_path("snapshot")))
    helder("run")
    helder("ingest", str(sample_path("delta")))  # 3259999999100: 'oedeem van been' becomes 'beenoedeem'
    listed = [json.loads(line) for line in
              helder("review", "list", "--flag", "stale-source", "--json", "--limit", "500").output.splitlines()]
    edema = next(i for i in listed if i["conceptId"] == "3259999999100")
    assert edema["term"] == "beenoedeem" and "stale-source" in edema["flags"].split(";")
    for item in listed:  # every item the list calls stale is stale in its own page too
        assert "stale-source — " in helder("review", "show", str(item["id"])).output, item
    shown = helder("review", "show", str(edema["id"])).output
    assert "  klinisch       beenoedeem" in shown and "oedeem van been\n" not in shown
    assert ("vlag           waarschuwing: stale-source — De klinische term veranderde van 'oedeem van been' "
            "in 'beenoedeem' nadat het voorstel werd gemaakt") in shown
    text = [line for line in helder("review", "list", "--flag", "stale-source").output.splitlines()
            if line.lstrip().startswith(f"{edema['id']} ")]
    assert text and "beenoedeem →" in text[0]


def test_items_withdrawn_by_a_delta_say_why_and_every_count_agrees(tmp_path, monkeypatch):
    """After the demo's Delta, `status` counted 2 rejected items that no reviewer rejected and
    that had no decision or reason. The ingest records the withdrawal as a decision with its
    reason (the concept became inactive in release 20260331); show, status and the demo agree."""
    from review_queue.models import REJECTED

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HELDER_DB_URL", raising=False)
    monkeypatch.delenv("HELDER_CONFIG", raising=False)
    out = helder("demo", "--workdir", str(tmp_path)).output  # the demo's own SQLite store
    monkeypatch.setenv("HELDER_DB_URL", f"sqlite:///{tmp_path / 'helder.db'}")
    factory = _factory()
    with factory() as s:
        rejected = s.query(ReviewItem).filter_by(state=REJECTED).all()
        decisions = {d.item_id: d for d in s.query(Decision).filter_by(action="withdraw")}
    assert rejected and {i.id for i in rejected} == set(decisions)
    assert f"3 inactief geworden ({len(rejected)} open items daarom ingetrokken" in out
    assert "'demo': 8 goedgekeurd, 4 aangepast, 0 afgewezen" in out
    status = json.loads(helder("status", "--json").output)
    assert status["review_items"]["rejected"] == status["review_withdrawn"] == len(rejected)
    assert (f"afgewezen {len(rejected)} (waarvan {len(rejected)} ingetrokken door helder: het concept werd inactief)"
            in helder("status").output)
    for item in rejected:
        shown = helder("review", "show", str(item.id)).output
        assert ("helder ingetrokken (concept niet meer actief) (withdraw) — het concept is inactief geworden "
                "in de SNOMED-release van 20260331") in shown
        refused = helder("review", "undo", str(item.id), "--user", "helder", code=1).output
        assert "kan niet worden teruggedraaid" in refused


def test_an_edit_saved_with_warnings_says_them(helder_env, seed_items):
    """A newcomer: `review edit 50 "frozen shoulder"` said only "aangepast"; the jargon warning was
    in the history alone. The warnings of the text just saved are printed with it."""
    factory = _factory()
    (item_id,) = seed_items(factory, 1, start=7, term="schouderklachten", proposal="last van de schouder")
    out = helder("review", "edit", str(item_id), "schouderklachten, recidiverend", "--user", "anna").output
    lines = out.strip().splitlines()
    assert lines[0] == f"Item {item_id}: aangepast (edited, versie 2)"
    assert lines[1].startswith("  Opgeslagen met waarschuwing(en): ") and "'recidiverend'" in lines[1]
    quiet = seed_items(factory, 1, start=8, term="gonalgie", proposal="last van de knie")[0]
    assert helder("review", "edit", str(quiet), "pijn in de knie", "--user", "anna").output.strip() == \
        f"Item {quiet}: aangepast (edited, versie 2)"
    # the list shows an edited item by its own words, not the proposal it replaced
    listed = helder("review", "list", "--state", "edited").output
    assert "gonalgie → pijn in de knie" in listed and "last van de knie" not in listed


def test_a_decision_names_an_active_account_once_the_store_has_accounts(helder_env, seed_items):
    """`--user` took any name: "ana" for "anna" filed a decision under nobody, and under four eyes
    one person could approve twice under two names. With accounts, the name must be an active one."""
    from review_queue.users import add_user, disable_user

    factory = _factory()
    first, second, third = seed_items(factory, 3, term="schouderklachten", proposal="last van de schouder")
    helder("review", "approve", str(first), "--user", "wie-dan-ook")  # no accounts yet: any name
    with factory() as s, s.begin():
        add_user(s, "anna", "een lang wachtwoord")
        add_user(s, "bram", "een lang wachtwoord")
        disable_user(s, "bram")
    refused = helder("review", "approve", str(second), "--user", "ana", code=1).output.strip()
    assert refused == ("helder: Beoordelaar 'ana' heeft geen account in deze store (actieve accounts: anna); geef een "
                       "van die namen met --user of $HELDER_USER, of maak het account: helder user add ana")
    assert "Gebruiker 'bram' is uitgeschakeld" in helder("review", "reject", str(second), "--user", "bram",
                                                         "--reason", "te vaag", code=1).output
    helder("review", "approve", str(second), "--user", "Anna")
    out = helder_env / "batch.xlsx"
    helder("review", "export", str(out))
    wb = load_workbook(out)
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert ws.max_row == 2  # only the third item is still open
    ws.cell(row=2, column=header.index("besluit") + 1, value="afwijzen")
    ws.cell(row=2, column=header.index("reden") + 1, value="te vaag")
    wb.save(out)
    assert "Beoordelaar 'ana' heeft geen account" in helder("review", "import", str(out), "--user", "ana", code=1).output
    with factory() as s:
        assert s.get(ReviewItem, third).state == "proposed"  # nothing applied
        made = {d.item_id: d.reviewer for d in s.query(Decision).all()}
    assert made == {first: "wie-dan-ook", second: "anna"}


def test_refusals_in_the_shell_name_the_commands_not_the_web_apps_keys(helder_env, seed_items, monkeypatch):
    """`review approve` on an item without a proposal said '… (e), of … met een reden (o)' and a
    second approval by the same person 'Draai je besluit terug (u)': keys of the web app, which a
    reviewer in a shell does not have. The shell's refusals name the commands."""
    factory = _factory()
    (wording,) = seed_items(factory, 1, start=6, origin="none", term="griep", confidence=0.05)
    r = helder("review", "approve", str(wording), "--user", "anna", code=1)
    assert r.output.strip() == (f"helder: Item {wording} heeft geen voorstel om goed te keuren. Formuleer een "
                                f"patiëntvriendelijke term (helder review edit {wording} \"…\"), of neem de klinische "
                                f"term bewust over met een reden (helder review keep {wording} --reason \"…\").")
    r = helder("review", "edit", str(wording), "griep", "--user", "anna", code=1)
    assert f"helder review keep {wording} --reason" in r.output and "(o)" not in r.output
    (helder_env / "helder.toml").write_text("[review]\nfour_eyes = true\n", encoding="utf-8")
    monkeypatch.setenv("HELDER_CONFIG", str(helder_env / "helder.toml"))
    (item_id,) = seed_items(factory, 1, start=7, term="schouderklachten", proposal="last van de schouder",
                           confidence=0.3)  # below four_eyes_below_confidence: needs a second
    helder("review", "approve", str(item_id), "--user", "anna")
    r = helder("review", "approve", str(item_id), "--user", "anna", code=1)
    assert r.output.strip() == (f"helder: Je hebt item {item_id} al goedgekeurd; een collega moet het bevestigen. "
                                f"Draai je besluit terug om het te wijzigen: helder review undo {item_id}.")
    assert not any(f"({key})" in r.output for key in "aeoru")


def test_a_version_that_never_existed_is_not_blamed_on_a_colleague(helder_env, seed_items):
    factory = _factory()
    (item_id,) = seed_items(factory, 1, term="heupartrose links", proposal="slijtage van de linkerheup")
    r = helder("review", "edit", str(item_id), "heupartrose links", "--version", "9", "--user", "anna", code=1)
    assert r.output.strip() == (f"helder: Item {item_id} heeft geen versie 9; de huidige versie is 1 "
                                f"(helder review show {item_id} toont hem).")
    helder("review", "approve", str(item_id), "--version", "1", "--user", "anna")
    r = helder("review", "reject", str(item_id), "--version", "1", "--reason", "x", "--user", "bert", code=1)
    assert "Iemand anders heeft item" in r.output and f"helder review show {item_id}" in r.output
    assert "Laad het item opnieuw" not in r.output


def test_list_refuses_an_unknown_flag_and_names_a_first_approval(helder_env, seed_items, monkeypatch):
    """`review list --flag nope` exited 0 with nothing: a typo looked like an empty queue. And
    `--state second-review` listed its items as `proposed`, not what they wait for."""
    from pipeline.checks import FLAGS

    factory = _factory()
    r = runner.invoke(app, ["review", "list", "--flag", "nope"])
    assert r.exit_code == 1
    assert r.output.strip() == f"helder: --flag 'nope' is geen vlagcode; kies een van deze: {', '.join(FLAGS)}"
    assert runner.invoke(app, ["review", "export", "x.xlsx", "--flag", "nope"]).exit_code == 1
    assert not (helder_env / "x.xlsx").exists()
    assert helder("review", "list", "--flag", "jargon").output == ""  # a known flag with no items: no refusal
    (helder_env / "helder.toml").write_text("[review]\nfour_eyes = true\n", encoding="utf-8")
    monkeypatch.setenv("HELDER_CONFIG", str(helder_env / "helder.toml"))
    first, other = seed_items(factory, 2, term="schouderklachten", proposal="last van de schouder",
                              confidence=0.3)
    helder("review", "edit", str(first), "pijn in de schouder", "--user", "anna")
    (line,) = helder("review", "list", "--state", "second-review").output.splitlines()
    assert line.split()[0] == str(first) and "wacht op tweede beoordelaar" in line and "proposed" not in line
    assert line.endswith("→ pijn in de schouder  (eerste goedkeuring door anna)")
    lines = helder("review", "list", "--state", "open").output.splitlines()
    assert any(x.split()[0] == str(other) and "voorgesteld" in x for x in lines)
    (doc,) = [json.loads(x) for x in helder("review", "list", "--state", "second-review", "--json").output.splitlines()]
    assert (doc["state"], doc["firstApprover"]) == ("proposed", "anna")
