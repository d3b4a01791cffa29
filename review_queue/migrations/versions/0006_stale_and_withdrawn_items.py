"""Open items behind a changed clinical term, and withdrawn items without a reason, repaired

Revision ID: 0006
Revises: 0005

Data only; no schema change. What an ingest now writes, written for the items earlier ingests left:
- an open item flagged stale-source whose clinical term (source_term) is not its concept's
  current Dutch term gets the current term, its search words again, and — on its primary
  suggestion — the stale-source detail naming the term the proposal was made for, so the queue,
  `review show` and the web page agree;
- an item an ingest withdrew (rejected, audit action `withdraw`) without a decision row gets one
  by `helder` whose reason says its concept became inactive (with the release's effectiveTime
  when the ingest that withdrew it is known).
Texts are frozen here (Dutch, as terms/messages had them), so this migration never changes.
Downgrade leaves the repaired rows as they are: they are correct at every schema version.
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OPEN = ("proposed", "deferred")
STALE_REASON = "De klinische term veranderde van '{previous}' in '{term}' nadat het voorstel werd gemaakt"
WITHDRAWN_REASON = "het concept is inactief geworden in de SNOMED-release van {effective_time}"
WITHDRAWN_REASON_UNDATED = "het concept is inactief geworden in een SNOMED-release"


def _fold(value):
    # review_queue.models.fold, frozen (as in 0005).
    if not value:
        return ""
    bare = "".join(ch for ch in unicodedata.normalize("NFKD", value) if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def _search_words(*texts):
    return "\n".join(f for f in (_fold(t) for t in texts) if f)


def _with_flag(codes, code):
    return ";".join([c for c in (codes or "").split(";") if c and c != code] + [code])


def _stale_items(bind) -> None:
    items = sa.table('review_items', sa.column('id', sa.Integer), sa.column('concept_id', sa.String),
                     sa.column('state', sa.String), sa.column('version', sa.Integer),
                     sa.column('source_term', sa.Text), sa.column('proposal', sa.Text),
                     sa.column('final_term', sa.Text), sa.column('flags', sa.String),
                     sa.column('search_text', sa.Text))
    concepts = sa.table('concepts', sa.column('id', sa.String), sa.column('term_nl', sa.Text))
    suggestions = sa.table('suggestions', sa.column('id', sa.Integer), sa.column('item_id', sa.Integer),
                           sa.column('is_primary', sa.Boolean), sa.column('flags', sa.String),
                           sa.column('flag_details', sa.JSON))
    rows = bind.execute(
        sa.select(items.c.id, items.c.concept_id, items.c.version, items.c.source_term, items.c.proposal,
                  items.c.final_term, concepts.c.term_nl)
        .join(concepts, concepts.c.id == items.c.concept_id)
        .where(items.c.state.in_(OPEN), items.c.flags.like('%stale-source%'))
    ).all()
    for r in rows:
        current = r.term_nl or r.source_term
        primary = bind.execute(sa.select(suggestions.c.id, suggestions.c.flags, suggestions.c.flag_details)
                               .where(suggestions.c.item_id == r.id, suggestions.c.is_primary)
                               .order_by(suggestions.c.id.desc()).limit(1)).first()
        details = list((primary.flag_details if primary is not None else None) or [])
        has_detail = any(isinstance(f, dict) and f.get("code") == "stale-source" for f in details)
        if current == r.source_term and (primary is None or has_detail):
            continue
        if primary is not None and not has_detail:
            details.append({"code": "stale-source", "severity": "warning", "related": [r.concept_id],
                            "previous": r.source_term,
                            "reason": STALE_REASON.format(previous=r.source_term, term=current)})
            bind.execute(suggestions.update().where(suggestions.c.id == primary.id)
                         .values(flag_details=details, flags=_with_flag(primary.flags, "stale-source")))
        bind.execute(items.update().where(items.c.id == r.id)
                     .values(source_term=current, version=r.version + 1,
                             search_text=_search_words(current, r.proposal, r.final_term)))


def _withdrawn_items(bind) -> None:
    audit = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                     sa.column('action', sa.String), sa.column('entity', sa.String),
                     sa.column('entity_id', sa.String), sa.column('before', sa.JSON))
    decisions = sa.table('decisions', sa.column('item_id', sa.Integer), sa.column('reviewer', sa.String),
                         sa.column('action', sa.String), sa.column('reason', sa.Text),
                         sa.column('state_before', sa.String), sa.column('state_after', sa.String),
                         sa.column('at', sa.DateTime(timezone=True)), sa.column('before', sa.JSON))
    ingests = sa.table('ingests', sa.column('at', sa.DateTime(timezone=True)), sa.column('effective_time', sa.String))
    recorded = {r[0] for r in bind.execute(sa.select(decisions.c.item_id).where(decisions.c.action == 'withdraw'))}
    rows = bind.execute(sa.select(audit.c.at, audit.c.entity_id, audit.c.before)
                        .where(audit.c.action == 'withdraw', audit.c.entity == 'review_item')
                        .order_by(audit.c.id)).all()
    for r in rows:
        try:
            item_id = int(r.entity_id)
        except (TypeError, ValueError):
            continue
        if item_id in recorded:
            continue
        # The ingest that withdrew it: the first one recorded at or after the withdrawal (same transaction).
        when = bind.execute(sa.select(ingests.c.effective_time).where(ingests.c.at >= r.at)
                            .order_by(ingests.c.at).limit(1)).scalar() if r.at is not None else None
        reason = WITHDRAWN_REASON.format(effective_time=when) if when else WITHDRAWN_REASON_UNDATED
        before = r.before if isinstance(r.before, dict) else {}
        bind.execute(decisions.insert().values(item_id=item_id, reviewer="helder", action="withdraw", reason=reason,
                                               state_before=before.get("state") or "proposed",
                                               state_after="rejected", at=r.at, before=before or None))
        recorded.add(item_id)


def upgrade() -> None:
    bind = op.get_bind()
    _stale_items(bind)
    _withdrawn_items(bind)


def downgrade() -> None:
    pass
