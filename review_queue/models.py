"""The store's schema (SQLAlchemy 2). Migrations in review_queue/migrations follow it.

One database holds what SNOMED says (concepts, descriptions), what helder proposed
(suggestions), what reviewers decided (review items, decisions, audit log), what is published
(patient_terms = the TM, releases, minted ids) and the bookkeeping of runs and LLM calls.
Concept and description ids are SCTIDs kept as strings: they are identifiers, not numbers.
"""
from __future__ import annotations

import functools
import unicodedata
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 with its zone, in UTC: '2026-11-24T08:01:12+00:00'.

    Every time is stored in UTC; SQLite hands it back without a zone, PostgreSQL with one. A time
    shown or served without its zone is ambiguous, so every reader formats through this.
    """
    if value is None:
        return None
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat(timespec="seconds")


class Base(DeclarativeBase):
    pass


# Review states (DESIGN.md): proposed → approved / edited / rejected / deferred.
PROPOSED, APPROVED, EDITED, REJECTED, DEFERRED = "proposed", "approved", "edited", "rejected", "deferred"
OPEN_STATES = (PROPOSED, DEFERRED)
DECIDED_STATES = (APPROVED, EDITED, REJECTED)
STATES = (PROPOSED, APPROVED, EDITED, REJECTED, DEFERRED)
# Who decided an open item the ingest withdrew (rejected) because its concept became inactive.
WITHDRAWN_BY = "helder"


class Concept(Base):
    """One SNOMED concept as helder needs it: the Dutch clinical term and its context."""

    __tablename__ = "concepts"

    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    effective_time: Mapped[str] = mapped_column(String(8))
    module_id: Mapped[str] = mapped_column(String(18))
    term_nl: Mapped[str | None] = mapped_column(Text)  # preferred Dutch synonym: the clinical term
    fsn_nl: Mapped[str | None] = mapped_column(Text)
    fsn_en: Mapped[str | None] = mapped_column(Text)
    semantic_tag: Mapped[str | None] = mapped_column(String(64), index=True)
    # When term_nl last changed (ingest effectiveTime); stale-source compares against it.
    term_changed: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    descriptions: Mapped[list[Description]] = relationship(back_populates="concept", lazy="raise_on_sql")


class Description(Base):
    """A Dutch or English description of a concept, with its acceptability in its language refset."""

    __tablename__ = "descriptions"

    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    concept_id: Mapped[str] = mapped_column(ForeignKey("concepts.id"), index=True)
    language_code: Mapped[str] = mapped_column(String(8))
    type_id: Mapped[str] = mapped_column(String(18))
    term: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    effective_time: Mapped[str] = mapped_column(String(8))
    module_id: Mapped[str] = mapped_column(String(18))
    case_significance_id: Mapped[str] = mapped_column(String(18))
    acceptability_id: Mapped[str | None] = mapped_column(String(18))  # in its language's refset

    concept: Mapped[Concept] = relationship(back_populates="descriptions", lazy="raise_on_sql")


class PatientTerm(Base):
    """The translation memory: a patient-friendly term for a concept.

    Sources: `release` (refset 15551000146102 of an ingested release), `import` (helder tm
    import), `review` (approved by a terminologist). One active preferred term per concept.
    """

    __tablename__ = "patient_terms"
    __table_args__ = (
        Index(
            "uq_patient_terms_active_preferred",
            "concept_id",
            unique=True,
            sqlite_where=text("active AND preferred"),
            postgresql_where=text("active AND preferred"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concept_id: Mapped[str] = mapped_column(ForeignKey("concepts.id"), index=True)
    term: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    clinical_term: Mapped[str | None] = mapped_column(Text)  # the Dutch term it translates, when made
    source: Mapped[str] = mapped_column(String(16))
    preferred: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description_id: Mapped[str | None] = mapped_column(String(18))  # from a release, or minted at export
    definition_id: Mapped[str | None] = mapped_column(String(18))
    review_item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id"))
    stale: Mapped[bool] = mapped_column(Boolean, default=False)  # source term changed since
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Run(Base):
    """One batch run: what it did, how long each stage took, what it cost."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|completed|failed|stopped
    suggester: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(128))
    worker: Mapped[str | None] = mapped_column(String(128))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    durations: Mapped[dict] = mapped_column(JSON, default=dict)
    tokens_in: Mapped[int] = mapped_column(BigInteger, default=0)
    tokens_out: Mapped[int] = mapped_column(BigInteger, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)


@functools.cache
def _marks() -> dict[int, None]:
    # Every nonspacing mark (category Mn): what NFKD splits off a letter (the diaeresis of 'ï').
    import sys
    return {cp: None for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Mn"}


def fold(text: str | None) -> str:
    """Search form of a text: NFKD without nonspacing marks (Mn), lower-cased, single spaces.

    'Thyreoïditis  acuta' → 'thyreoiditis acuta'. Used for stored `search_text` and for the
    words a reviewer types, so both sides fold the same way; `fold_expr` is the same rule for a
    polars column (a test keeps the two equal).
    """
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFKD", text).translate(_marks()).lower().split())


def fold_expr(expr):
    """`fold` for a polars string expression (null → ""): a whole chunk folded in Rust."""
    return (expr.fill_null("").str.normalize("NFKD").str.replace_all(r"\p{Mn}+", "").str.to_lowercase()
            # Python's str.split() also splits at the separators \x1c-\x1f, which \s does not hold
            .str.replace_all(r"[\s\x1c-\x1f]+", " ").str.strip_chars(" "))


def search_words(source_term: str | None, proposal: str | None, final_term: str | None = None) -> str:
    """The folded words a review item is found by (see ReviewItem.search_text)."""
    parts = [fold(source_term), fold(proposal)]
    if final_term:
        parts.append(fold(final_term))
    return "\n".join(p for p in parts if p)


def search_words_expr(source_term, proposal):
    """`search_words(source_term, proposal)` for polars string expressions."""
    import polars as pl

    parts = pl.concat_list([fold_expr(source_term), fold_expr(proposal)])
    return parts.list.eval(pl.element().filter(pl.element() != "")).list.join("\n")


def search_text_default(context) -> str:
    params = context.get_current_parameters()
    return search_words(params.get("source_term"), params.get("proposal"), params.get("final_term"))


class ReviewItem(Base):
    """A concept waiting for (or having had) a terminologist's decision.

    Filter columns (origin, confidence, flags, semantic tag) are copied from the primary
    suggestion so the queue filters and pages on indexed columns at 400k items.
    `version` is bumped on every change; a decision states the version it saw.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        # At most one open item per concept: a rerun never enqueues a concept twice.
        Index(
            "uq_review_items_open_concept",
            "concept_id",
            unique=True,
            sqlite_where=text("state IN ('proposed', 'deferred')"),
            postgresql_where=text("state IN ('proposed', 'deferred')"),
        ),
        Index("ix_review_items_state_id", "state", "id"),
        # A reviewer's leases are released when they move on: find them without a scan.
        Index("ix_review_items_lease_owner", "lease_owner",
              sqlite_where=text("lease_owner IS NOT NULL"), postgresql_where=text("lease_owner IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concept_id: Mapped[str] = mapped_column(ForeignKey("concepts.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=PROPOSED)
    version: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    # The Dutch clinical term the item decides on: for an open item the concept's current term (an
    # ingest that changes it updates it and flags stale-source), for a decided one the term decided on.
    source_term: Mapped[str] = mapped_column(Text)
    semantic_tag: Mapped[str | None] = mapped_column(String(64), index=True)
    proposal: Mapped[str] = mapped_column(Text)  # primary suggestion's text
    origin: Mapped[str] = mapped_column(String(16), index=True)
    confidence: Mapped[float] = mapped_column(Float, index=True)
    flags: Mapped[str] = mapped_column(String(255), default="")  # ';'-joined codes
    max_severity: Mapped[str | None] = mapped_column(String(8), index=True)  # error|warning|info
    final_term: Mapped[str | None] = mapped_column(Text)
    final_explanation: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    needs_second_review: Mapped[bool] = mapped_column(Boolean, default=False)
    first_approver: Mapped[str | None] = mapped_column(String(64))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the queue's word search looks in: clinical term, proposal and final term, folded
    # (lower case, accents off) so "thyreoiditis" finds "thyreoïditis". Filled by `search_words`
    # when a row is inserted without it, and again whenever the final term changes.
    search_text: Mapped[str | None] = mapped_column(Text, default=search_text_default)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="item", order_by="Suggestion.id", lazy="raise_on_sql"
    )


class Suggestion(Base):
    """One proposal for a review item, from one origin (LLM, offline, TM)."""

    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    concept_id: Mapped[str] = mapped_column(String(18), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True)
    text: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(String(128))
    prompt_version: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    flags: Mapped[str] = mapped_column(String(255), default="")
    flag_details: Mapped[list] = mapped_column(JSON, default=list)  # [{code, severity, reason, related}]
    similar: Mapped[list] = mapped_column(JSON, default=list)  # [{conceptId, term, patientTerm, score}]
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="suggestions", lazy="raise_on_sql")


class Decision(Base):
    """A reviewer's decision on an item; undo adds a decision too (history is append-only).

    action: approve | edit | keep (the clinical term kept, with a reason) | reject | defer |
    undo, and first-approve | first-edit | first-keep for the first of two approvals (four eyes).
    `flags`/`flag_details` are the checks of the decided text as saved (an edit is checked again);
    `before` is the item as it was, so undo restores exactly that; `undoes` names the decision an
    undo took back.
    """

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_reviewer_id", "reviewer", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("review_items.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    term: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    state_before: Mapped[str] = mapped_column(String(16))
    state_after: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    flags: Mapped[str | None] = mapped_column(String(255))
    flag_details: Mapped[list | None] = mapped_column(JSON)
    before: Mapped[dict | None] = mapped_column(JSON)
    undoes: Mapped[int | None] = mapped_column(Integer)


class AuditLog(Base):
    """Who changed what, when, with the before and after (append-only)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class Release(Base):
    """A published, immutable release of the patient-friendly term set."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    previous_version: Mapped[str | None] = mapped_column(String(32))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    manifest: Mapped[dict] = mapped_column(JSON, default=dict)


class ReleaseMember(Base):
    """What a release published for a concept, so the next release can write a correct Delta."""

    __tablename__ = "release_members"
    __table_args__ = (UniqueConstraint("release_id", "concept_id", "description_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    concept_id: Mapped[str] = mapped_column(String(18), index=True)
    description_id: Mapped[str] = mapped_column(String(18))
    definition_id: Mapped[str | None] = mapped_column(String(18))
    term: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Preferred or acceptable in the language refset; a change is a refset row in the next Delta.
    preferred: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class MintedId(Base):
    """Every SCTID helder has handed out; the highest item per namespace/partition is the next start."""

    __tablename__ = "minted_ids"
    __table_args__ = (UniqueConstraint("namespace", "partition", "item"),)

    sctid: Mapped[str] = mapped_column(String(18), primary_key=True)
    namespace: Mapped[str] = mapped_column(String(7))
    partition: Mapped[str] = mapped_column(String(2))
    item: Mapped[int] = mapped_column(BigInteger)
    concept_id: Mapped[str | None] = mapped_column(String(18))
    purpose: Mapped[str | None] = mapped_column(String(32))  # synonym|definition
    term: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Ingest(Base):
    """An ingested SNOMED release, so a nightly job knows whether a newer one is waiting."""

    __tablename__ = "ingests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    effective_time: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))  # reviewer|admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A signed-in browser session, kept on the server so it can be ended (OWASP Session
    Management Cheat Sheet): logout, disabling the user and a password change delete it.

    `id` is the SHA-256 of the random session id in the cookie, so a copy of this table does not
    log anyone in. `csrf` is the session's token for state-changing requests.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    address: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """Failed logins per account (`user:NAME`) and per address (`addr:IP`), for throttling."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConceptParent(Base):
    """A concept's direct IS-A parent (SNOMED relationship type 116680003), for the hierarchy a
    reviewer sees beside an item."""

    __tablename__ = "concept_parents"

    concept_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    parent_id: Mapped[str] = mapped_column(String(18), primary_key=True)


class VendorToken(Base):
    """A PGO vendor's download token; only its hash is stored."""

    __tablename__ = "vendor_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vendor: Mapped[str] = mapped_column(String(128), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LLMCacheEntry(Base):
    """An LLM answer for one input, keyed by sha256(model, prompt version, normalised input)."""

    __tablename__ = "llm_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    input_text: Mapped[str] = mapped_column(Text)
    patient_term: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LLMBatchJob(Base):
    """A job submitted to a provider's batch endpoint; kept until its results are collected."""

    __tablename__ = "llm_batch_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider_batch_id: Mapped[str] = mapped_column(String(128), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    model: Mapped[str] = mapped_column(String(128))
    prompt_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))
    input_file_id: Mapped[str | None] = mapped_column(String(128))
    output_file_id: Mapped[str | None] = mapped_column(String(128))
    items_json: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkClaim(Base):
    """A chunk of concepts claimed by one batch worker until its lease expires."""

    __tablename__ = "work_claims"

    concept_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    worker: Mapped[str] = mapped_column(String(128))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    lease_expires: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
