"""revisions of campaigns, invitations with a secret, recipients' link secrets and hand-over limit

Revision ID: i11c_revisions
Revises: i11b_account_secrets
Create Date: 2026-11-30

Campaigns that wait for review get their current text frozen as revision 1 (pending), so moderators
can approve them by number; published and hidden campaigns get revision 1 (approved) as the base their
corrections start from. Every recipient gets a random link secret: answer links mailed before this
migration carry none and stop working (the next reminder carries a new one). A recipient's last
hand-over becomes its `letters_sent_at`, so the limit of one hand-over a day counts it.
"""
import json
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i11c_revisions'
down_revision = 'i11b_account_secrets'
branch_labels = None
depends_on = None


def _snapshot(conn, campaign):
    """A campaign's text and recipients as a revision holds them (petition_app.campaigns.operations.snapshot)."""
    recipients = []
    for recipient in conn.execute(sa.text(
        "SELECT id, key, name, email, language FROM recipients WHERE campaign_id = :c ORDER BY position, id"
    ), {"c": campaign.id}).mappings():
        demands = conn.execute(sa.text(
            "SELECT text_nl, text_en FROM demands WHERE recipient_id = :r ORDER BY position, id"
        ), {"r": recipient["id"]}).all()
        recipients.append({
            "key": recipient["key"], "name": recipient["name"], "email": recipient["email"],
            "language": recipient["language"], "demands": [{"nl": nl, "en": en} for nl, en in demands],
        })
    closes_on = campaign.closes_on
    if closes_on is not None and not isinstance(closes_on, str):
        closes_on = closes_on.isoformat()
    goals = campaign.goals
    if isinstance(goals, str):
        goals = json.loads(goals)
    return {
        "title": {"nl": campaign.title_nl, "en": campaign.title_en},
        "summary": {"nl": campaign.summary_nl or "", "en": campaign.summary_en or ""},
        "body": {"nl": campaign.body_nl or "", "en": campaign.body_en or ""},
        "organizer_name": campaign.organizer_name,
        "goals": list(goals or []),
        "closes_on": closes_on[:10] if closes_on else None,
        "recipients": recipients,
    }


def upgrade():
    revisions = op.create_table('campaign_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('correction', sa.Boolean(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_campaign_revisions_status')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_revisions_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_revisions')),
    sa.UniqueConstraint('campaign_id', 'number', name='uq_campaign_revisions_campaign_number'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('campaign_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_revisions_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('inviter_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_invitations_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inviter_id'], ['users.id'], name=op.f('fk_invitations_inviter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_campaign_id'), ['campaign_id'], unique=False)

    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('letters_sent_at', sa.DateTime(timezone=True), nullable=True))

    conn = op.get_bind()
    for (recipient_id,) in conn.execute(sa.text("SELECT id FROM recipients")).all():
        conn.execute(sa.text("UPDATE recipients SET link_secret = :s WHERE id = :id"),
                     {"s": secrets.token_urlsafe(24), "id": recipient_id})
    conn.execute(sa.text(
        "UPDATE recipients SET letters_sent_at = (SELECT MAX(h.created_at) FROM handovers h WHERE h.recipient_id = recipients.id)"
    ))
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.alter_column('link_secret', existing_type=sa.String(length=64), nullable=False)

    now = datetime.now(timezone.utc)
    campaigns = conn.execute(sa.text(
        "SELECT id, status, title_nl, title_en, summary_nl, summary_en, body_nl, body_en, organizer_name, goals,"
        " closes_on, submitted_at, published_at FROM campaigns WHERE status <> 'draft'"
    )).all()
    rows = []
    for campaign in campaigns:
        pending = campaign.status == 'pending'
        rows.append({
            "campaign_id": campaign.id, "number": 1, "status": "pending" if pending else "approved",
            "correction": False, "content": _snapshot(conn, campaign), "changes": [],
            "submitted_at": campaign.submitted_at or campaign.published_at or now,
            "decided_at": None if pending else (campaign.published_at or now), "note": None,
        })
    if rows:
        op.bulk_insert(revisions, rows)


def downgrade():
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_column('letters_sent_at')
        batch_op.drop_column('link_secret')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_campaign_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('campaign_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_revisions_campaign_id'))

    op.drop_table('campaign_revisions')
