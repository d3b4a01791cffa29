"""helder's command line: parse, call one library function, print. Nothing else lives here.

Every command has --help with an example; bad input exits non-zero with one line on stderr.
"""
from __future__ import annotations

import getpass
import inspect
import json
import os
import shutil
import sys
from contextlib import closing
from pathlib import Path
from typing import Optional

import typer

from terms.messages import message

app = typer.Typer(
    help="helder: patient-friendly Dutch for SNOMED CT terms — propose, check, review, publish.\n\n"
    "Example: helder demo",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tm_app = typer.Typer(help="The translation memory (existing patient-friendly terms).", no_args_is_help=True)
review_app = typer.Typer(help="Scriptable review: list, show, approve, edit, reject, defer, undo.", no_args_is_help=True)
release_app = typer.Typer(help="Releases: create, list, show, diff.", no_args_is_help=True)
user_app = typer.Typer(help="Reviewer accounts for the web app.", no_args_is_help=True)
token_app = typer.Typer(help="Download tokens for PGO vendors.", no_args_is_help=True)
llm_app = typer.Typer(help="The LLM path: a local model server.", no_args_is_help=True)
app.add_typer(tm_app, name="tm")
app.add_typer(review_app, name="review")
app.add_typer(release_app, name="release")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(llm_app, name="llm")


class Fail(Exception):
    """A one-line reason to stop with exit code 1."""


def fail(text: str, code: int = 1) -> typer.Exit:
    """Print `helder: TEXT` (one line from the catalogue, cli.error.* or a library's own) on stderr."""
    typer.echo(f"helder: {text}", err=True)
    return typer.Exit(code)


def _version() -> str:
    """The installed helder's version; the one in pyproject.toml when helder is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("helder")
    except PackageNotFoundError:
        import tomllib

        with open(Path(__file__).resolve().parent / "pyproject.toml", "rb") as fh:
            return tomllib.load(fh)["project"]["version"]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(message("cli.version.line", version=_version()))
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", help="Print helder's version and stop.",
                                 callback=_print_version, is_eager=True),
):
    """helder: patient-friendly Dutch for SNOMED CT terms — propose, check, review, publish."""


def _counts(pairs) -> str:
    """'jargon 12, lost-qualifier 3' from (code, count) pairs; the catalogue's word for none."""
    return ", ".join(f"{k} {v}" for k, v in pairs) or message("cli.counts.none")


def _one_line(exc: BaseException | str) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _store():
    from review_queue.db import database_url, open_store

    try:
        return open_store(database_url())
    except Exception as exc:
        raise fail(message("cli.error.database", database=_describe_db(), reason=_one_line(exc))) from None


def _describe_db() -> str:
    from review_queue.db import database_url, describe

    return describe(database_url())


def _config() -> dict:
    from terms.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise fail(_one_line(exc)) from None


def _user(user: Optional[str]) -> str:
    return user or os.environ.get("HELDER_USER") or getpass.getuser()


def _is_tty() -> bool:
    return sys.stderr.isatty()


# --------------------------------------------------------------------------- ingest / TM


@app.command()
def ingest(
    path: Path = typer.Argument(..., help="RF2 release: a folder or a .zip (Snapshot, Full or Delta)."),
    allow_older: bool = typer.Option(
        False, "--allow-older", help="Ingest a release older than one already ingested (it rolls newer rows back)."),
    kind: str | None = typer.Option(
        None, "--kind", help="Snapshot, Full or Delta: which files of the package to read (default: Snapshot, "
                             "else Full, else Delta)."),
):
    """Load a SNOMED CT release into the store; its patient-friendly terms become the TM.

    Releases go in date order: an older release after a newer one is refused unless
    --allow-older. A release without Dutch terms is refused (nothing to propose). Rows whose text
    breaks the term rules are quarantined and named. Accepted packages: docs/files.md.

    Example: helder ingest SnomedCT_ManagedServiceNL_PRODUCTION_NL1000146_20250930.zip
    """
    from review_queue.store import ingest_release
    from terms.rf2 import RF2Error, read_release

    if not path.exists():
        raise fail(message("cli.error.no-such-file-or-folder", path=path))
    try:
        release = read_release(path, kind)
    except RF2Error as exc:
        raise fail(_one_line(exc)) from None
    except (OSError, ValueError) as exc:  # a damaged zip, an unreadable file
        raise fail(message("cli.error.in-file", file=path, reason=_one_line(exc))) from None
    _, factory = _store()
    try:
        report = ingest_release(factory, release, path, allow_older=allow_older)
    except ValueError as exc:
        raise fail(_one_line(exc)) from None
    typer.echo(message("cli.ingest.done", kind=release.kind, effective_time=report.effective_time, path=path,
                       database=_describe_db(), summary=report.summary()))


@tm_app.command("import")
def tm_import(file: Path = typer.Argument(..., help="CSV, TSV or XLSX with conceptId, term, patientTerm[, explanation].")):
    """Add patient-friendly term pairs to the TM.

    Reads CSV with , or ; (Excel), TSV, XLSX; UTF-8 or Windows-1252 (said so). Ids must be
    text, not numbers. What is accepted and refused: docs/files.md.

    Example: helder tm import agency-batch-2026-11.xlsx
    """
    from review_queue.store import import_tm_pairs
    from terms.tm import read_tm_file

    if not file.exists():
        raise fail(message("cli.error.no-such-file", file=file))
    notes: list[str] = []
    try:
        tm = read_tm_file(file, notes)
    except ValueError as exc:
        raise fail(_one_line(exc)) from None
    _, factory = _store()
    try:
        counts = import_tm_pairs(factory, tm, str(file), actor=_user(None))
    except ValueError as exc:
        raise fail(_one_line(exc)) from None
    for note in notes:
        typer.echo(note, err=True)
    # The store counts a replacement as added too (a new row is written); people count each pair once.
    line = message("cli.tm.imported", file=file, added=counts["added"] - counts["replaced"],
                   replaced=counts["replaced"], unchanged=counts["unchanged"])
    if counts["explanations_updated"]:
        line += ", " + message("cli.tm.explanations", n=counts["explanations_updated"])
    typer.echo(line)
    if counts["unreleased"]:
        typer.echo(message("cli.tm.unreleased", n=counts["unreleased"]), err=True)
    if counts["inactive"]:
        typer.echo(message("cli.tm.inactive", n=counts["inactive"]), err=True)


@tm_app.command("export")
def tm_export(out: Path = typer.Argument(..., help="Where to write the TM (.tsv, .csv or .xlsx).")):
    """Write the current TM (conceptId, term, patientTerm, explanation) to a file.

    Example: helder tm export tm.tsv
    """
    from review_queue.store import load_tm
    from terms.tm import write_table

    _, factory = _store()
    with factory() as session:
        tm = load_tm(session)
    try:
        write_table(tm, out)
    except (ValueError, OSError) as exc:
        raise fail(_one_line(exc)) from None
    typer.echo(message("cli.tm.exported", n=tm.height, file=out))


# --------------------------------------------------------------------------- run / suggest / check


@app.command("run")
def run_cmd(
    suggester: str = typer.Option("offline", help="offline or llm."),
    model: Optional[str] = typer.Option(None, help="LLM model name (with --suggester llm)."),
    limit: Optional[int] = typer.Option(None, min=1, help="Propose for at most N concepts."),
    chunk_size: int | None = typer.Option(
        None, min=1, help="Concepts claimed and committed per step (default 10000 offline, 2000 with --suggester llm)."),
    worker: Optional[str] = typer.Option(None, help="Worker name (default host:pid) when several run at once."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ask the LLM again even for cached inputs."),
    max_requests: Optional[int] = typer.Option(None, help="Stop cleanly after N LLM requests."),
    max_cost: Optional[float] = typer.Option(None, help="Stop cleanly once the estimated cost reaches this."),
    batch: bool = typer.Option(False, "--batch", help="Use the provider's batch endpoint (submit now, collect later)."),
    lease: Optional[int] = typer.Option(
        None, min=1, help="Seconds a claimed chunk stays with this worker if it dies (default "
        "$HELDER_LEASE_SECONDS or 900); longer than a chunk takes."),
):
    """One nightly batch: propose for every untranslated concept, check, queue for review.

    Safe to rerun and to run again after a crash: nothing is queued twice.

    Example: helder run --limit 500
    """
    from pipeline.run import RunOptions, run

    if suggester not in ("offline", "llm"):
        raise fail(message("cli.error.suggester", value=suggester))
    config = _config()
    if suggester == "llm":
        model = model or config.get("llm", {}).get("model")
        if not model:
            raise fail(message("cli.error.llm-needs-model"))
    llm = {"use_cache": not no_cache, "max_requests": max_requests, "max_cost": max_cost}
    if batch:
        llm["batch"] = True
    opts = RunOptions(suggester=suggester, model=model, limit=limit, chunk_size=chunk_size, llm=llm, config=config,
                      lease_seconds=lease)
    if worker:
        opts.worker = worker
    _, factory = _store()
    try:
        record = run(factory, opts, progress=_is_tty())
    except KeyboardInterrupt:
        raise fail(message("cli.run.interrupted"), 130) from None
    except Exception as exc:
        raise fail(message("cli.run.failed", reason=_one_line(exc))) from None
    counts = record.counts or {}
    from review_queue import labels

    typer.echo(message("cli.run.done", id=record.id, status=labels.run_status(record.status), proposed=counts.get("proposed", 0),
                       selected=counts.get("selected", 0), flags=_counts(sorted((counts.get("flags") or {}).items())),
                       seconds=f"{record.durations.get('total', 0):.1f}", database=_describe_db()))


def _llm_options(no_cache, max_requests, max_cost, batch, batch_size, concurrency) -> dict:
    opts = {"use_cache": not no_cache, "max_requests": max_requests, "max_cost": max_cost}
    if batch:
        opts["batch"] = True
    if batch_size:
        opts["batch_size"] = batch_size
    if concurrency:
        opts["concurrency"] = concurrency
    return opts


@app.command()
def suggest(
    input: Path = typer.Argument(..., help="TSV/CSV/XLSX with conceptId, term[, fsn, semanticTag]."),
    tm: Path = typer.Option(..., "--tm", help="TM file: conceptId, term, patientTerm[, explanation]."),
    out: Path = typer.Option(..., "--out", help="Output file (.tsv, .csv or .xlsx)."),
    suggester: str = typer.Option("offline", help="offline or llm."),
    model: Optional[str] = typer.Option(None, help="LLM model name (with --suggester llm)."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ask the LLM again even for cached inputs."),
    max_requests: Optional[int] = typer.Option(None, help="Stop cleanly after N LLM requests."),
    max_cost: Optional[float] = typer.Option(None, help="Stop cleanly once the estimated cost reaches this."),
    batch: bool = typer.Option(False, "--batch", help="Use the provider's batch endpoint; run again to collect."),
    batch_size: Optional[int] = typer.Option(None, min=1, help="Items per LLM request (default 20)."),
    concurrency: Optional[int] = typer.Option(None, min=1, help="LLM requests in flight (default 8)."),
):
    """Propose patient-friendly terms file to file (no database needed), checked against the TM.

    Example: helder suggest new-terms.tsv --tm tm.tsv --out proposals.tsv
    """
    from pipeline.files import suggest_file

    if suggester not in ("offline", "llm"):
        raise fail(message("cli.error.suggester", value=suggester))
    for p in (input, tm):
        if not p.exists():
            raise fail(message("cli.error.no-such-file", file=p))
    _refuse_out_over_input(out, input, tm)
    config = _config()
    if suggester == "llm":
        model = model or config.get("llm", {}).get("model")
        if not model:
            raise fail(message("cli.error.llm-needs-model"))
    notes: list[str] = []
    try:
        written = suggest_file(input, tm, out, suggester=suggester, model=model, settings=config.get("checks"),
                               notes=notes, **(_llm_options(no_cache, max_requests, max_cost, batch, batch_size,
                                                            concurrency) if suggester == "llm" else {}))
    except (ValueError, RuntimeError, OSError) as exc:
        raise fail(_one_line(exc)) from None
    for note in notes:
        typer.echo(note, err=True)
    typer.echo(_file_summary(written, out))


@app.command()
def check(
    input: Path = typer.Argument(..., help="TSV/CSV/XLSX with conceptId, term, suggestion[, explanation, fsn]."),
    tm: Path = typer.Option(..., "--tm", help="TM file: conceptId, term, patientTerm[, explanation]."),
    out: Path = typer.Option(..., "--out", help="Output file (.tsv, .csv or .xlsx) with flags and similar."),
):
    """Check proposed terms from anywhere (an agency, a spreadsheet) against the TM.

    Example: helder check agency-batch.xlsx --tm tm.tsv --out checked.xlsx
    """
    from pipeline.files import check_file

    for p in (input, tm):
        if not p.exists():
            raise fail(message("cli.error.no-such-file", file=p))
    _refuse_out_over_input(out, input, tm)
    notes: list[str] = []
    try:
        written = check_file(input, tm, out, settings=_config().get("checks"), notes=notes)
    except (ValueError, OSError) as exc:
        raise fail(_one_line(exc)) from None
    for note in notes:
        typer.echo(note, err=True)
    typer.echo(_file_summary(written, out))


def _refuse_out_over_input(out: Path, *inputs: Path) -> None:
    """--out naming a file the command reads would overwrite what it was given: refused."""
    for p in inputs:
        if out.resolve() == p.resolve():
            raise fail(message("cli.error.out-is-input", file=out))


def _file_summary(frame, out: Path) -> str:
    """'120 regels geschreven naar out.tsv; vlaggen: jargon 12, lost-qualifier 3' for suggest and check."""
    import polars as pl

    flags = (frame.select(pl.col("flags").fill_null("").str.split(";").explode().alias("flag"))
             .filter(pl.col("flag") != "").group_by("flag").len().sort("flag"))
    key = "cli.files.written-one" if frame.height == 1 else "cli.files.written"  # "1 regel", "2 regels"
    return message(key, n=frame.height, file=out, flags=_counts(flags.iter_rows()))


# --------------------------------------------------------------------------- review


def _recheck(factory):
    """The checker `helder run` uses, over the store's TM, for edited texts (pipeline.recheck)."""
    from pipeline.recheck import Rechecker

    return Rechecker(factory, _config().get("checks"))


def _policy():
    from review_queue.decisions import ReviewPolicy
    from review_queue.web.base import WebSettings

    try:
        web = WebSettings.from_dict(_config().get("review"))
    except ValueError as exc:
        raise fail(_one_line(exc)) from None
    return ReviewPolicy(four_eyes=web.four_eyes, four_eyes_below_confidence=web.four_eyes_below_confidence)


def _decide(fn, item_id: int, factory=None, **kwargs):
    from sqlalchemy import select

    from review_queue.decisions import DecisionError, awaiting_second
    from review_queue.models import Decision

    from review_queue.users import UserError, reviewer

    if factory is None:
        _, factory = _store()
    try:
        with factory() as session, session.begin():
            kwargs["user"] = reviewer(session, kwargs["user"])
            item = fn(session, item_id, **kwargs)
            made = session.execute(select(Decision).where(Decision.item_id == item.id)
                                   .order_by(Decision.id.desc()).limit(1)).scalar_one_or_none()
            # what the checks warned of in the text just saved (an edit is checked again)
            warnings = [str(f.get("reason")) for f in ((made.flag_details or []) if made is not None else [])
                        if isinstance(f, dict) and f.get("severity") == "warning" and f.get("reason")]
            return item.state, item.version, awaiting_second(item), warnings
    except UserError as exc:
        raise fail(_one_line(exc)) from None
    except DecisionError as exc:
        line = _one_line(exc.text("cli"))  # the commands to type, not the web app's keys
        errors = [str(f.get("reason") or "") for f in (getattr(exc, "flags", None) or [])
                  if f.get("severity") == "error" and f.get("reason")]
        if exc.code == "override_needed" and errors:
            # a refusal that does not say what the checks found leaves the reviewer guessing
            line += " " + message("cli.review.flag-reasons", reasons="; ".join(errors))
        raise fail(line) from None


def _decided(item_id: int, outcome) -> str:
    from review_queue import labels

    state, version, waiting, warnings = outcome
    if waiting:
        line = message("cli.review.first-approval", item=item_id, version=version)
    else:
        line = message("cli.review.decided", item=item_id, state_name=labels.state(state), state=state, version=version)
    if warnings:
        line += "\n" + message("cli.review.warnings", reasons="; ".join(warnings))
    return line


def _check_flag(flag: Optional[str]) -> None:
    """Refuse a flag code the checks do not know: a typo would list nothing and exit 0."""
    from pipeline.checks import FLAGS

    if flag is not None and flag not in FLAGS:
        raise fail(message("cli.error.flag", value=flag, codes=", ".join(FLAGS)))


@review_app.command("list")
def review_list(
    state: str = typer.Option("proposed", help="proposed, needs-wording, second-review, approved, edited, rejected, "
                                               "deferred, open or all."),
    flag: Optional[str] = typer.Option(None, help="Only items with this flag code."),
    limit: int = typer.Option(20, min=1, max=500, help="How many items to show."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
):
    """List review items.

    Example: helder review list --state needs-wording --limit 50
    """
    from review_queue import labels, queue
    from review_queue.decisions import awaiting_second, needs_wording

    if state not in queue.VIEWS:
        raise fail(message("cli.error.state", views=", ".join(queue.VIEWS)))
    _check_flag(flag)
    _, factory = _store()
    with factory() as session:
        items = queue.page(session, queue.QueueFilter(state=None if state == "all" else state, flag=flag),
                           limit=limit).items
    # The state as the reviewer reads it (labels.item_state): 'wacht op tweede beoordelaar' for a
    # first approval under four eyes, whose code is still `proposed`; the code stays in --json.
    names = {it.id: labels.item_state(it) for it in items}
    width = max((len(n) for n in names.values()), default=0)
    for it in items:
        if as_json:
            typer.echo(json.dumps({"id": it.id, "conceptId": it.concept_id, "term": it.source_term,
                                   "proposal": it.proposal, "origin": it.origin, "confidence": it.confidence,
                                   "finalTerm": it.final_term,
                                   "flags": it.flags, "state": it.state, "needsWording": needs_wording(it),
                                   "firstApprover": it.first_approver if awaiting_second(it) else None,
                                   "version": it.version}, ensure_ascii=False))
        else:
            # a decided item shows the term it was decided on (an edit's own words), not the proposal;
            # one awaiting a second look the first reviewer's term, and who chose it
            shown = it.final_term if it.final_term else \
                message("cli.review.no-proposal") if needs_wording(it) else it.proposal
            if awaiting_second(it):
                shown += "  " + message("cli.review.first-by", who=it.first_approver)
            typer.echo(f"{it.id:>7}  {names[it.id]:<{width}}  {it.confidence:4.2f} {it.origin:<9} {it.source_term} → "
                       f"{shown}" + (f"  [{it.flags}]" if it.flags else ""))


@review_app.command("show")
def review_show(item_id: int = typer.Argument(..., help="Review item id.")):
    """Show one review item: terms, proposals, flags with reasons, neighbours, history.

    Example: helder review show 42
    """
    from sqlalchemy import select

    from review_queue import labels
    from review_queue.decisions import (awaiting_second, flags_for, history, last_first_approval, needs_wording,
                                        text_to_decide)
    from review_queue.models import Concept, ReviewItem, Suggestion, iso_utc
    from review_queue.queue import parse_id

    if parse_id(item_id) is None:
        raise fail(message("cli.review.no-such-item", item=item_id))
    _, factory = _store()
    with factory() as session:
        item = session.get(ReviewItem, item_id)
        if item is None:
            raise fail(message("cli.review.no-such-item", item=item_id))
        concept = session.get(Concept, item.concept_id)
        sugg = session.execute(select(Suggestion).where(Suggestion.item_id == item_id).order_by(Suggestion.id)).scalars().all()
        hist = history(session, item_id)
        # The flags of the term being decided come from where the web page and an approval read them.
        deciding_flags = flags_for(item, last_first_approval(session, item),
                                   next((x for x in sugg if x.is_primary), None))
    head = message("cli.show.head", item=item.id, version=item.version, state_name=labels.state(item.state),
                   state=item.state)
    if needs_wording(item):
        head += " — " + message("cli.show.head-needs-wording")
    if awaiting_second(item):
        head += " — " + message("cli.show.head-second", who=item.first_approver)
    typer.echo(head)
    typer.echo("  " + message("cli.show.concept", concept=item.concept_id, fsn=concept.fsn_en if concept else ""))
    typer.echo("  " + message("cli.show.clinical", term=item.source_term))
    if awaiting_second(item):
        typer.echo("  " + message("cli.show.deciding", term=text_to_decide(item), who=item.first_approver))
    for s in sugg:
        mark = "*" if s.is_primary else " "
        typer.echo(" " + mark + message("cli.show.proposal", text=s.text,
                                        origin=f"{s.origin}{'/' + s.model if s.model else ''}",
                                        confidence=f"{s.confidence:.2f}"))
        if s.explanation:
            typer.echo("  " + message("cli.show.explanation", text=s.explanation))
        for f in (deciding_flags if s.is_primary else s.flag_details or []):
            typer.echo("  " + message("cli.show.flag", severity=labels.severity(f.get("severity")), code=f.get("code"),
                                      reason=labels.flag_reason(f)))
        for n in (s.similar or [])[:5]:
            typer.echo("  " + message("cli.show.similar", concept=n.get("conceptId"), term=n.get("term"),
                                      patient_term=n.get("patientTerm")))
    if item.final_term:
        typer.echo("  " + message("cli.show.final", term=item.final_term))
    for d in hist:
        line = "  " + message("cli.show.history", when=iso_utc(d.at), who=d.reviewer,
                              action_name=labels.action(d.action), action=d.action)
        if d.term:
            line += " " + message("cli.show.history-term", term=d.term)
        if d.reason or d.undoes:
            line += " " + message("cli.show.history-reason", reason=labels.history_reason(d))
        if d.flags:
            line += " " + message("cli.show.history-flags", flags=d.flags)
        typer.echo(line)


@review_app.command("approve")
def review_approve(
    item_id: int = typer.Argument(...),
    user: Optional[str] = typer.Option(None, help="Reviewer name (default $HELDER_USER or your login)."),
    version: Optional[int] = typer.Option(None, help="Refuse if the item changed since this version."),
    override: Optional[str] = typer.Option(None, help="Reason to approve despite error flags."),
):
    """Approve the term being decided as it stands (the proposal, or under four eyes the first
    reviewer's term); it joins the TM.

    Example: helder review approve 42 --user anna
    """
    from review_queue.decisions import approve

    outcome = _decide(approve, item_id, user=_user(user), expected_version=version, override_reason=override,
                      policy=_policy())
    typer.echo(_decided(item_id, outcome))


@review_app.command("edit")
def review_edit(
    item_id: int = typer.Argument(...),
    term: str = typer.Argument(..., help="The patient-friendly term to approve instead."),
    explanation: Optional[str] = typer.Option(None, help="A new explanation (B1)."),
    user: Optional[str] = typer.Option(None, help="Reviewer name."),
    version: Optional[int] = typer.Option(None, help="Refuse if the item changed since this version."),
    override: Optional[str] = typer.Option(None, help="Reason to save despite error flags the checks find."),
):
    """Approve with your own wording; the text is checked again as `helder run` checks proposals.

    Example: helder review edit 42 "ontsteking van het hartzakje" --user anna
    """
    from review_queue.decisions import edit

    _, factory = _store()
    outcome = _decide(edit, item_id, factory, user=_user(user), term=term, explanation=explanation,
                      expected_version=version, override_reason=override, policy=_policy(), recheck=_recheck(factory))
    typer.echo(_decided(item_id, outcome))


@review_app.command("keep")
def review_keep(
    item_id: int = typer.Argument(...),
    reason: str = typer.Option(..., help="Why the clinical term is already patient-friendly."),
    user: Optional[str] = typer.Option(None, help="Reviewer name."),
    version: Optional[int] = typer.Option(None, help="Refuse if the item changed since this version."),
):
    """Keep the clinical term unchanged as the patient-friendly term, with a reason: for an item
    without a proposal, or one whose clinical term is already plain Dutch (its proposal is set aside).

    Example: helder review keep 42 --reason "griep is al begrijpelijk"
    """
    from review_queue.decisions import keep_source

    outcome = _decide(keep_source, item_id, user=_user(user), reason=reason, expected_version=version,
                      policy=_policy())
    typer.echo(_decided(item_id, outcome))


@review_app.command("reject")
def review_reject(
    item_id: int = typer.Argument(...),
    reason: str = typer.Option(..., help="Why the proposal is wrong."),
    user: Optional[str] = typer.Option(None, help="Reviewer name."),
    version: Optional[int] = typer.Option(None, help="Refuse if the item changed since this version."),
):
    """Reject the proposal, with a reason.

    Example: helder review reject 42 --reason "betekenis verloren: links ontbreekt"
    """
    from review_queue.decisions import reject

    outcome = _decide(reject, item_id, user=_user(user), reason=reason, expected_version=version)
    typer.echo(_decided(item_id, outcome))


@review_app.command("defer")
def review_defer(
    item_id: int = typer.Argument(...),
    comment: Optional[str] = typer.Option(None, help="What needs answering first."),
    user: Optional[str] = typer.Option(None, help="Reviewer name."),
):
    """Put an item aside with a comment.

    Example: helder review defer 42 --comment "navragen bij cardioloog"
    """
    from review_queue.decisions import defer

    outcome = _decide(defer, item_id, user=_user(user), comment=comment)
    typer.echo(_decided(item_id, outcome))


@review_app.command("undo")
def review_undo(item_id: int = typer.Argument(...), user: Optional[str] = typer.Option(None, help="Reviewer name.")):
    """Take back your own last decision on an item.

    Example: helder review undo 42 --user anna
    """
    from review_queue.decisions import undo

    from review_queue import labels

    state, version, _, _ = _decide(undo, item_id, user=_user(user))
    typer.echo(message("cli.review.undone", item=item_id, state_name=labels.state(state), state=state,
                       version=version))


@review_app.command("export")
def review_export(
    out: Path = typer.Argument(..., help="The .xlsx file to write."),
    state: str = typer.Option("open", help="Which items: open, needs-wording, proposed, second-review, ... or all."),
    tag: Optional[str] = typer.Option(None, help="Only this semantic tag."),
    flag: Optional[str] = typer.Option(None, help="Only items with this flag code."),
):
    """Write items to a workbook for offline review (flags with reasons, nearest TM terms).

    Example: helder review export batch.xlsx --state needs-wording
    """
    from review_queue import queue
    from review_queue.spreadsheets import export_xlsx
    from terms.atomic import replaced_atomically

    if state not in queue.VIEWS:
        raise fail(message("cli.error.state", views=", ".join(queue.VIEWS)))
    _check_flag(flag)
    _, factory = _store()
    with factory() as session:
        data = export_xlsx(session, queue.QueueFilter(state=None if state == "all" else state, semantic_tag=tag,
                                                      flag=flag))
    try:
        with replaced_atomically(out) as tmp:
            Path(tmp).write_bytes(data)
    except OSError as exc:
        raise fail(message("cli.error.in-file", file=out, reason=_one_line(exc))) from None
    typer.echo(message("cli.review.exported", file=out))


@review_app.command("import")
def review_import(
    file: Path = typer.Argument(..., help="A workbook from `helder review export` or the web app, with decisions."),
    user: Optional[str] = typer.Option(None, help="Reviewer name."),
):
    """Apply the decisions in a workbook, all or nothing; edited terms are checked again.

    Example: helder review import batch.xlsx --user anna
    """
    from review_queue.spreadsheets import ImportRefused, import_xlsx
    from review_queue.users import UserError, reviewer

    if not file.exists():
        raise fail(message("cli.error.no-such-file", file=file))
    _, factory = _store()
    try:
        with factory() as session, session.begin():
            result = import_xlsx(session, file.read_bytes(), reviewer(session, _user(user)), _policy(),
                                 recheck=_recheck(factory))
    except UserError as exc:
        raise fail(_one_line(exc)) from None
    except ImportRefused as exc:
        for line in exc.problems[:50]:
            typer.echo(line, err=True)
        more = exc.total - min(len(exc.problems), 50)
        raise fail(message("cli.review.import-refused-more", file=file, total=exc.total, more=more) if more
                   else message("cli.review.import-refused", file=file, total=exc.total)) from None
    for line in result.flagged[:50]:
        typer.echo(line)
    typer.echo(message("cli.review.imported", applied=result.applied, file=file, skipped=result.skipped))


# --------------------------------------------------------------------------- releases


def _create_release(root: Path, version: Optional[str], user: Optional[str]) -> Path:
    from exports.release import ReleaseError, create_release

    _, factory = _store()
    try:
        return create_release(factory, root=root, version=version, created_by=_user(user), config=_config())
    except (ReleaseError, ValueError, OSError) as exc:
        raise fail(_one_line(exc)) from None


def _release_written(path: Path) -> str:
    """'Release geschreven naar …' with its effectiveTime, and the terms left out if any."""
    try:
        doc = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return message("cli.release.written", path=path)
    line = message("cli.release.written-dated", path=path, effective_time=doc.get("effectiveTime"))
    own_date = (doc.get("version") or path.name)[:10].replace("-", "")
    if doc.get("effectiveTime") and doc["effectiveTime"] != own_date:
        # A second release on one day is dated after the previous one (exports.release); say so,
        # or an operator reads a date in the future as a fault.
        line += "; " + message("cli.release.dated-later", effective_time=doc["effectiveTime"])
    left = doc.get("leftOut") or []
    if left:
        first = left[0]
        line += "; " + message("cli.release.left-out", n=doc.get("counts", {}).get("leftOut", len(left)),
                               concept=first["conceptId"], reason=first["reason"])
    return line


@app.command()
def export(
    root: Path = typer.Option(Path("releases"), help="Folder that holds the releases."),
    version: Optional[str] = typer.Option(None, help="Release version (default: today's date)."),
    user: Optional[str] = typer.Option(None, help="Who publishes it."),
):
    """Publish every approved patient-friendly term as a new release (RF2, FHIR, CSV).

    Each release has its own effectiveTime: its date, or the day after the previous release's
    when a release was already made that day. Approved terms whose text breaks the term rules
    are left out and named (manifest.json leftOut), never failing the release.

    Example: helder export --root releases
    """
    path = _create_release(root, version, user)
    typer.echo(_release_written(path))


@release_app.command("create")
def release_create(
    root: Path = typer.Option(Path("releases"), help="Folder that holds the releases."),
    version: Optional[str] = typer.Option(None, help="Release version (default: today's date)."),
    user: Optional[str] = typer.Option(None, help="Who publishes it."),
):
    """Same as `helder export`.

    Example: helder release create --version 2026-11-24
    """
    path = _create_release(root, version, user)
    typer.echo(_release_written(path))


@release_app.command("list")
def release_list(as_json: bool = typer.Option(False, "--json", help="One JSON object per line, for scripts.")):
    """List releases, newest first: version, effectiveTime, when (UTC), by whom, counts, folder.

    Example: helder release list
    """
    from exports.release import list_releases

    _, factory = _store()
    releases = list_releases(factory)
    if as_json:
        for r in releases:
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
        return
    if not releases:
        typer.echo(message("cli.release.none"))
        return
    head = [message("cli.release.col-version"), message("cli.release.col-effective-time"),
            message("cli.release.col-created"), message("cli.release.col-by"), message("cli.release.col-concepts"),
            message("cli.release.col-new"), message("cli.release.col-changed"), message("cli.release.col-withdrawn"),
            message("cli.release.col-held-back"), message("cli.release.col-path")]
    rows = [[r["version"], r.get("effective_time") or "—", r.get("created_at") or "—", r.get("created_by") or "—"]
            + [str((r.get("counts") or {}).get(k, "—")) for k in ("concepts", "new", "changed", "withdrawn", "heldBack")]
            + [r.get("path") or ""] for r in releases]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    numeric = range(4, 9)
    for row in [head, *rows]:
        cells = [c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        typer.echo("  ".join(cells).rstrip())


@release_app.command("show")
def release_show(version: str = typer.Argument(..., help="A release version, or 'latest'.")):
    """Show a release's manifest.

    Example: helder release show latest
    """
    from exports.release import ReleaseError, show_release

    _, factory = _store()
    try:
        typer.echo(json.dumps(show_release(factory, version), indent=2, ensure_ascii=False, default=str))
    except (ReleaseError, KeyError, ValueError) as exc:
        raise fail(_one_line(exc)) from None


@release_app.command("diff")
def release_diff(a: str = typer.Argument(..., help="Older version."), b: str = typer.Argument(..., help="Newer version."),
                 as_json: bool = typer.Option(False, "--json", help="One JSON document, for scripts.")):
    """What changed between two releases: new, changed, withdrawn, held back.

    Example: helder release diff 2026-10-01 2026-11-24
    """
    from exports.release import ReleaseError, diff_releases

    _, factory = _store()
    try:
        diff = diff_releases(factory, a, b)
    except (ReleaseError, KeyError, ValueError) as exc:
        raise fail(_one_line(exc)) from None
    if as_json:
        typer.echo(json.dumps(diff, indent=2, ensure_ascii=False, default=str))
        return
    counts = diff["counts"]
    typer.echo(message("cli.release.diff-head", a=diff["from"], b=diff["to"], new=counts["new"],
                       changed=counts["changed"], withdrawn=counts["withdrawn"], held_back=counts.get("heldBack", 0)))
    sections = [("cli.release.diff-new", [(r["conceptId"], r["patientTerm"]) for r in diff["new"]]),
                ("cli.release.diff-changed", [(r["conceptId"], message("cli.release.diff-change", before=r["before"], after=r["after"])
                              if r["before"] != r["after"] else message("cli.release.diff-explanation", term=r["after"]))
                             for r in diff["changed"]]),
                ("cli.release.diff-withdrawn", [(r["conceptId"], r["patientTerm"]) for r in diff["withdrawn"]]),
                ("cli.release.diff-held-back", [(r["conceptId"], r["patientTerm"]) for r in diff.get("heldBack", [])])]
    for key, rows in sections:
        if rows:
            typer.echo(message(key, n=len(rows)))
            width = max(len(cid) for cid, _ in rows)
            for cid, text in rows:
                typer.echo(f"  {cid:<{width}}  {text}")
    if counts["withdrawn"] or counts.get("heldBack"):
        # the reasons are the release notes' (English, for vendors): there, not half-translated here
        typer.echo(message("cli.release.diff-reasons", b=diff["to"]))


# --------------------------------------------------------------------------- demo


# --------------------------------------------------------------------------- serve / users / tokens


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    releases: Path = typer.Option(Path("releases"), help="Folder with published releases for the download API."),
):
    """The web app for reviewers, the JSON API and the vendors' download API.

    Example: helder serve --host 0.0.0.0 --port 8080
    """
    from exports.api import make_router
    from review_queue.web import serve as serve_app

    config = _config()
    _store()  # migrates, and fails with one line when the database is unreachable
    _policy()  # a bad [review] setting: one line now, not a traceback from the server
    typer.echo(message("cli.serve.started", host=host, port=port, database=_describe_db(), releases=releases),
               err=True)
    serve_app(host=host, port=port, settings=config.get("review"),
              routers_for=lambda factory: [make_router(factory, releases)],
              recheck_for=_recheck)


def _password(password_env: Optional[str]) -> str:
    if password_env:
        password = os.environ.get(password_env)
        if not password:
            raise fail(message("cli.error.env-empty", name=password_env))
        return password
    while True:  # asked twice; click's own confirmation would say its mismatch in English
        try:
            password = typer.prompt(message("cli.user.password"), hide_input=True)
            again = typer.prompt(message("cli.user.password-again"), hide_input=True)
        except typer.Abort:  # Ctrl-C or the end of input
            raise fail(message("cli.user.password-aborted")) from None
        if again == password:
            return password
        typer.echo(message("cli.user.password-mismatch"), err=True)


def _role_name(role: str) -> str:
    """'admin' → 'beheerder' (review.role.*); an unknown role as it is."""
    from terms.messages import has

    return message(f"review.role.{role}") if has(f"review.role.{role}") else role


def _account(fn, *args, **kwargs):
    from review_queue.users import UserError

    _, factory = _store()
    try:
        with factory.begin() as session:
            return fn(session, *args, actor=_user(None), **kwargs)
    except UserError as exc:
        raise fail(_one_line(exc)) from None


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Login name (a-z, 0-9, . _ -)."),
    role: str = typer.Option("reviewer", help="reviewer or admin."),
    password_env: Optional[str] = typer.Option(
        None, help="Read the password from this environment variable instead of asking (for scripts)."),
):
    """Add a reviewer or admin; asks for the password twice.

    Example: helder user add anna --role admin
    """
    from review_queue.users import add_user

    _account(add_user, username, _password(password_env), role)
    typer.echo(message("cli.user.added", name=username, role_name=_role_name(role), role=role))


@user_app.command("list")
def user_list():
    """List accounts with role and whether they are active.

    Example: helder user list
    """
    from review_queue.users import list_users

    _, factory = _store()
    with factory() as session:
        for u in list_users(session):
            typer.echo(f"{u.username}\t{u.role}\t"
                       + message("cli.user.active" if u.active else "cli.user.disabled-state"))


@user_app.command("disable")
def user_disable(username: str = typer.Argument(..., help="Login name.")):
    """Disable an account: its sessions end at once (its decisions and audit history stay).
    The last active admin cannot be disabled.

    Example: helder user disable anna
    """
    from review_queue.users import disable_user

    _account(disable_user, username)
    typer.echo(message("cli.user.disabled", name=username))


@user_app.command("enable")
def user_enable(username: str = typer.Argument(..., help="Login name.")):
    """Let a disabled account log in again.

    Example: helder user enable anna
    """
    from review_queue.users import enable_user

    _account(enable_user, username)
    typer.echo(message("cli.user.enabled", name=username))


@user_app.command("password")
def user_password(
    username: str = typer.Argument(..., help="Login name."),
    password_env: Optional[str] = typer.Option(
        None, help="Read the new password from this environment variable instead of asking."),
):
    """Set a new password (a reset); every session of the account ends.

    Example: helder user password anna
    """
    from review_queue.users import set_password

    _account(set_password, username, _password(password_env))
    typer.echo(message("cli.user.password-set", name=username))


@user_app.command("role")
def user_role(username: str = typer.Argument(..., help="Login name."),
              role: str = typer.Argument(..., help="reviewer or admin.")):
    """Make an account a reviewer or an admin (the last active admin stays admin).

    Example: helder user role bert admin
    """
    from review_queue.users import set_role

    _account(set_role, username, role)
    typer.echo(message("cli.user.role-set", name=username, role_name=_role_name(role), role=role))


@token_app.command("create")
def token_create(vendor: str = typer.Argument(..., help="The PGO vendor the token is for.")):
    """Create a download token for a vendor; it is shown once, store it safely.

    Example: helder token create "PGO Voorbeeld BV"
    """
    from exports.tokens import TokenError, create_token

    _, factory = _store()
    try:
        token = create_token(factory, vendor)
    except TokenError as exc:
        raise fail(_one_line(exc)) from None
    typer.echo(token)
    typer.echo(message("cli.token.created", vendor=vendor), err=True)


@token_app.command("list")
def token_list():
    """List tokens (id, vendor, created, active) — never the tokens themselves.

    Example: helder token list
    """
    from exports.tokens import list_tokens

    _, factory = _store()
    for t in list_tokens(factory):
        typer.echo(f"{t['id']}\t{t['vendor']}\t{t['created_at']:%Y-%m-%d}\t"
                   + message("cli.token.active" if t["active"] else "cli.token.revoked-state"))


@token_app.command("revoke")
def token_revoke(
    vendor: Optional[str] = typer.Argument(None, help="Revoke every token of this vendor."),
    token_id: Optional[int] = typer.Option(None, "--id", help="Revoke one token by its id (see helder token list)."),
):
    """Revoke a vendor's tokens, or one token by id.

    Example: helder token revoke "PGO Voorbeeld BV"
    """
    from exports.tokens import TokenError, revoke_token

    _, factory = _store()
    try:
        n = revoke_token(factory, vendor=vendor, token_id=token_id)
    except TokenError as exc:
        raise fail(_one_line(exc)) from None
    if n == 0:
        raise fail(message("cli.token.none-matched"))
    typer.echo(message("cli.token.revoked", n=n))


# --------------------------------------------------------------------------- operations


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a summary.")):
    """What the store holds and what the batch is doing: queue, TM, last ingest, runs, workers.

    Example: helder status --json
    """
    from review_queue import labels
    from review_queue.status import status_report

    _, factory = _store()
    with factory() as session:
        report = status_report(session)
    report["database"] = _describe_db()
    if as_json:
        typer.echo(json.dumps(report, indent=2, default=str))
        return
    typer.echo(message("cli.status.database", database=report["database"]))
    typer.echo(message("cli.status.concepts", active=report["concepts_active"], tm=report["tm_terms"]))
    withdrawn = report.get("review_withdrawn") or 0
    states = ", ".join(message("cli.status.queue-state", state=label, n=n)
                       + (" " + message("cli.status.queue-withdrawn", n=withdrawn) if code == "rejected" and withdrawn
                          else "")
                       for code, label, n in labels.queue_counts(report["review_items"])) \
        or message("cli.status.queue-empty")
    line = message("cli.status.queue", states=states)
    waiting = report.get("review_waiting") or {}
    if waiting:
        line += " " + message("cli.status.queue-waiting", needs_wording=waiting.get("needs_wording", 0),
                              second_review=waiting.get("second_review", 0))
    typer.echo(line)
    ingest = report["last_ingest"]
    typer.echo(message("cli.status.ingest", kind=ingest["kind"], effective_time=ingest["effective_time"],
                       path=ingest["path"]) if ingest else message("cli.status.ingest-none"))
    for r in report["runs"]:
        line = message("cli.status.run", id=r["id"], status=labels.run_status(r["status"]), proposed=r["proposed"],
                       started=r["started_at"], worker=r["worker"])
        if r["error"]:
            line += " " + message("cli.status.run-error", error=r["error"])
        typer.echo(line)
    for w in report["workers"]:
        typer.echo(message("cli.status.worker", worker=w["worker"], claimed=w["claimed"], until=w["lease_expires"]))
    release = report["last_release"]
    typer.echo(message("cli.status.release", version=release["version"], path=release["path"]) if release
               else message("cli.status.release-none"))


@app.command()
def nightly(
    inbox: Optional[Path] = typer.Option(None, help="Folder where new SNOMED releases (folders or zips) arrive."),
    reports: Path = typer.Option(Path("reports"), help="Where the night's report (JSON and text) goes."),
    suggester: str = typer.Option("offline", help="offline or llm."),
    model: Optional[str] = typer.Option(None, help="LLM model name (with --suggester llm)."),
    max_requests: Optional[int] = typer.Option(None, help="LLM budget: stop cleanly after N requests."),
    max_cost: Optional[float] = typer.Option(None, help="LLM budget: stop cleanly at this estimated cost."),
    log_json: bool = typer.Option(False, "--log-json", help="Log JSON lines to stderr (for journald / log shippers)."),
):
    """The unattended night: ingest every waiting release (oldest first), run, write a report.

    Releases in the inbox newer than the store go in date order; one without Dutch terms is
    skipped and named. Exit codes: 0 done or nothing to do; 3 another nightly holds the lock;
    4 a waiting release was refused (it and later ones not ingested); 5 the run failed (run
    again to resume); 6 stopped by an LLM budget.

    Example (crontab): 15 1 * * * cd /srv/helder && helder nightly --inbox /srv/snomed --log-json
    """
    from pipeline.nightly import configure_logging
    from pipeline.nightly import nightly as run_night
    from pipeline.run import RunOptions

    configure_logging(log_json)
    if suggester not in ("offline", "llm"):
        raise fail(message("cli.error.suggester", value=suggester))
    if inbox is not None and not inbox.is_dir():
        raise fail(message("cli.error.no-such-folder", folder=inbox))
    config = _config()
    if suggester == "llm":
        model = model or config.get("llm", {}).get("model")
        if not model:
            raise fail(message("cli.error.llm-needs-model"))
    opts = RunOptions(suggester=suggester, model=model, config=config,
                      llm={"use_cache": True, "max_requests": max_requests, "max_cost": max_cost})
    engine, factory = _store()
    report = run_night(engine, factory, inbox, reports, opts, progress=_is_tty())
    typer.echo(report.summary())
    raise typer.Exit(report.exit_code)


DEMO_MARKER = ".helder-demo"  # beside a helder.db the demo made: only such a store (and its releases) is replaced


@app.command()
def demo(
    workdir: Path = typer.Option(Path("."), help="Where helder.db and releases/ go."),
):
    """The whole flow on the bundled sample: ingest, run, review a few items, export, then a Delta.

    Uses a fresh SQLite file (helder.db in WORKDIR) unless HELDER_DB_URL is set. It replaces only a
    helder.db an earlier demo made (the file .helder-demo beside it says so), with the releases that
    store published in WORKDIR/releases, and only while nobody else worked in it (a reviewer's
    decision, an export, a TM import stop it); any other helder.db is a real store, and the demo
    refuses to touch it, as it refuses to publish beside releases it did not make.

    Example: helder demo --workdir /tmp/helder-demo
    """
    from exports.release import ReleaseError, foreign_releases, refuse_foreign, releases_except
    from review_queue.db import open_store

    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "releases"
    url = os.environ.get("HELDER_DB_URL")
    if not url:
        db = (workdir / "helder.db").resolve()
        marker = workdir / DEMO_MARKER
        if db.exists() and not marker.exists():
            # an operator's own store in this folder: losing it to a demo is never right
            raise fail(message("cli.error.demo-real-db", db=db))
        # The demo's releases go with its store: a new store beside them would start a second
        # release line with the same effectiveTimes. Releases it did not make stop it here, before
        # anything is written (export would refuse them halfway).
        work = _work_not_the_demos(db) if marker.exists() else []
        if work:
            # the demo's store, but someone reviewed or published in it since: that work is real
            raise fail(message("cli.error.demo-has-work", db=db, work=", ".join(work)))
        ours = _demo_release_folders(db, root) if marker.exists() else []
        try:
            refuse_foreign(root, releases_except(root, {p.name for p in ours}))
        except ReleaseError as exc:
            raise fail(_one_line(exc)) from None
        for folder in ours:
            shutil.rmtree(folder)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        marker.write_text("helder demo: the helder.db in this folder and the releases it published under releases/ "
                          "are the demo's; a next demo replaces them\n", encoding="utf-8")
        url = f"sqlite:///{db}"
    try:
        _, factory = open_store(url)
        try:
            refuse_foreign(root, foreign_releases(factory, root))
        except ReleaseError as exc:
            raise fail(_one_line(exc)) from None
        _demo_flow(factory, workdir, url)
    except typer.Exit:
        raise
    except Exception as exc:
        raise fail(message("cli.error.demo-failed", reason=_one_line(exc))) from None


# Who the demo acts as: its reviewer and releases ("demo"), and helder's own ingest and withdrawals.
_DEMO_ACTORS = ("demo", "helder")


def _work_not_the_demos(db: Path) -> list[str]:
    """What people other than the demo did in the demo's store `db` (reviewers' decisions, releases,
    anything the audit log has from another actor), one short Dutch phrase each; empty when there is
    nothing, or no store to read."""
    import sqlite3

    if not db.exists():
        return []
    actors = ",".join("?" * len(_DEMO_ACTORS))
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            reviewers = [r[0] for r in con.execute(
                f"SELECT DISTINCT reviewer FROM decisions WHERE reviewer NOT IN ({actors}) ORDER BY 1", _DEMO_ACTORS)]
            releases = [r[0] for r in con.execute(
                "SELECT version FROM releases WHERE coalesce(created_by, '') <> 'demo' ORDER BY 1")]
            others = [r[0] for r in con.execute(
                f"SELECT DISTINCT actor FROM audit_log WHERE actor NOT IN ({actors}) ORDER BY 1", _DEMO_ACTORS)]
    except sqlite3.Error:
        return []
    out = [message("cli.demo.work.decisions", who=", ".join(reviewers))] if reviewers else []
    out += [message("cli.demo.work.releases", versions=", ".join(releases))] if releases else []
    rest = [a for a in others if a not in reviewers]
    out += [message("cli.demo.work.changes", who=", ".join(rest))] if rest else []
    return out


def _demo_release_folders(db: Path, root: Path) -> list[Path]:
    """The release folders under `root` that the demo store `db` recorded publishing (none when
    there is no store or it cannot be read: then nothing is removed, and export says what is in
    the way)."""
    import sqlite3

    if not db.exists() or not root.is_dir():
        return []
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            paths = [row[0] for row in con.execute("SELECT path FROM releases")]
    except sqlite3.Error:
        return []
    root = root.resolve()
    return [Path(p).resolve() for p in paths
            if p and Path(p).resolve().parent == root and Path(p).resolve().is_dir()]


def _demo_flow(factory, workdir: Path, url: str) -> None:
    from exports.release import create_release
    from pipeline.run import RunOptions, run
    from review_queue.db import describe
    from review_queue.demo_review import review_like_a_terminologist
    from review_queue.store import ingest_release
    from terms.rf2 import read_release
    from terms.sample import sample_path

    say = typer.echo
    config = _config()
    snapshot = sample_path("snapshot")
    report = ingest_release(factory, read_release(snapshot), snapshot)
    say(message("cli.demo.ingested", kind=report.kind, effective_time=report.effective_time,
                concepts=report.concepts_new, tm=report.tm_added))
    record = run(factory, RunOptions(config=config), progress=_is_tty())
    c = record.counts
    say(message("cli.demo.run", id=record.id, proposed=c.get("proposed", 0),
                origins=_counts(sorted((c.get("by_origin") or {}).items())),
                flags=_counts(sorted((c.get("flags") or {}).items()))))
    decided = review_like_a_terminologist(factory, user="demo")
    say(message("cli.demo.reviewed", approved=decided["approved"], edited=decided["edited"],
                rejected=decided["rejected"]))
    first = create_release(factory, root=workdir / "releases", created_by="demo", config=config)
    say(message("cli.demo.published", name=first.name, path=first))
    delta = sample_path("delta")
    report = ingest_release(factory, read_release(delta), delta)
    say(message("cli.demo.delta", effective_time=report.effective_time, new=report.concepts_new,
                changed=report.concepts_changed_term, inactivated=report.concepts_inactivated,
                withdrawn=report.withdrawn_items, stale=report.requeued_stale))
    record = run(factory, RunOptions(config=config), progress=_is_tty())
    say(message("cli.demo.run-again", id=record.id, proposed=record.counts.get("proposed", 0)))
    second = create_release(factory, root=workdir / "releases", created_by="demo", config=config)
    say(message("cli.demo.published-again", name=second.name, first=first.name))
    say("")
    say(message("cli.demo.database", database=describe(url)))
    say(message("cli.demo.release", path=second.resolve()))
    say(message("cli.demo.next"))


# --------------------------------------------------------------------------- llm


@llm_app.command("serve")
def llm_serve(
    model_file: Optional[Path] = typer.Option(
        None, "--model-file", help="A GGUF model file (default: the small Gemma 3 270M, for testing the path)."),
    port: int = typer.Option(8080, min=1, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep 127.0.0.1: no key is asked)."),
    alias: Optional[str] = typer.Option(None, help="Model name clients send (default: gemma3-270m, or the file's stem)."),
    context: int = typer.Option(8192, min=512, help="Context window in tokens (prompt + answer of one request)."),
    threads: Optional[int] = typer.Option(None, min=1, help="CPU threads (default: every core)."),
    chat_format: Optional[str] = typer.Option(
        None, help="llama-cpp-python chat format, for a GGUF without a chat template (e.g. chatml)."),
):
    """A local OpenAI-compatible model server (llama.cpp via llama-cpp-python) on any GGUF file.

    Needs the optional extra: pip install -e '.\\[local-llm]' (compiles llama.cpp, several minutes).
    The default 270M model's Dutch is poor: it is for testing the path; use a Dutch-capable
    7-9B GGUF for real proposals.

    Example: helder llm serve --port 8080

    then, in another shell: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 helder suggest new.tsv --tm tm.tsv
    --out p.tsv --suggester llm --model gemma3-270m
    """
    from pipeline.llm.server import ServerUnavailable, serve as serve_model

    try:
        serve_model(model_file, port=port, host=host, alias=alias, context=context, threads=threads,
                    chat_format=chat_format)
    except ServerUnavailable as exc:
        raise fail(_one_line(exc)) from None
    except KeyboardInterrupt:
        pass


def run() -> None:
    """The `helder` command (pyproject's script): `app`, with click's own usage errors ("Missing
    option '--reason'", "No such command") said as one Dutch line naming the command and its
    --help, instead of an English box (exit 2, as click's)."""
    try:
        code = app(standalone_mode=False, prog_name="helder")
    except _USAGE_ERROR as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            exc.show()  # "helder review": its help, as typer shows it
            raise SystemExit(2) from None
        typer.echo(_usage_in_dutch(exc), err=True)  # "helder review reject: …": the command names itself
        raise SystemExit(2) from None
    except typer.Abort:
        aborted = message("cli.usage.aborted")
        typer.echo(f"helder: {aborted}", err=True)
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)


# The usage error class of the click typer runs on (typer 0.29 carries its own copy of click):
# reached through typer's public BadParameter, not a private module.
_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def _param_name(param) -> str:
    """"--reason" for an option, "ITEM_ID" for an argument, as --help names them."""
    if param.param_type_name == "option":
        return " / ".join(param.opts)
    return str(param.name or "?").upper()


def _usage_in_dutch(exc) -> str:
    """One Dutch line for a click UsageError, by its kind (click's texts are English)."""
    command = exc.ctx.command_path if exc.ctx is not None else "helder"
    kind, param = type(exc).__name__, getattr(exc, "param", None)
    if kind == "MissingParameter" and param is not None:
        what = message("cli.usage.missing", name=_param_name(param))
    elif kind == "NoSuchOption":
        what = message("cli.usage.no-such-option", name=exc.option_name)
    elif isinstance(exc, typer.BadParameter):
        detail = exc.message
        if "integer" in detail:
            detail = message("cli.usage.expected-integer")
        elif "number" in detail or "float" in detail:
            detail = message("cli.usage.expected-number")
        what = message("cli.usage.bad-value", name=_param_name(param) if param is not None else "?", detail=detail)
    elif exc.message.startswith("No such command"):
        what = message("cli.usage.no-such-command", name=exc.message.split("'")[1] if "'" in exc.message else "?")
    else:
        what = message("cli.usage.other", detail=exc.format_message())
    see = message("cli.usage.help", command=command)
    return f"{command}: {what} ({see})"


def _one_line_paragraphs(doc: str) -> str:
    """A command's docstring as help text: each paragraph on one line, for the help to wrap at
    the terminal's width. typer's help keeps a docstring's line breaks and then wraps each line
    again, so a line a little wider than the terminal broke into a stray word ('… refused
    unless' / '--allow-older. …'). A paragraph that starts with \\b (click's "keep as
    written") stays as written."""
    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs)


def _unwrap_help(typer_app: typer.Typer) -> None:
    for command in typer_app.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc:
            command.help = _one_line_paragraphs(doc)
    for group in typer_app.registered_groups:
        _unwrap_help(group.typer_instance)


_unwrap_help(app)


if __name__ == "__main__":
    run()
