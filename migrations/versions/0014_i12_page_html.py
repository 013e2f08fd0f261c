"""the campaign text's Markdown rendered once and stored, per language

Revision ID: i12_page_html
Revises: i11a_signing
Create Date: 2026-11-30

Issue 12, a cheaper campaign page: the body's Markdown was rendered and sanitised on every page view
(about 1 ms). It is now rendered when the text changes (an approved revision, an edit of a draft, an
import) and stored next to it; existing campaigns are rendered here.
"""
from alembic import op
import sqlalchemy as sa

from petition_app.markdown import render_markdown


# revision identifiers, used by Alembic.
revision = 'i12_page_html'
down_revision = 'i11a_signing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html_nl', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('body_html_en', sa.Text(), nullable=True))
    conn = op.get_bind()
    for campaign_id, body_nl, body_en in conn.execute(sa.text("SELECT id, body_nl, body_en FROM campaigns")).all():
        conn.execute(
            sa.text("UPDATE campaigns SET body_html_nl = :nl, body_html_en = :en WHERE id = :id"),
            {"nl": str(render_markdown(body_nl)), "en": str(render_markdown(body_en)), "id": campaign_id},
        )


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('body_html_en')
        batch_op.drop_column('body_html_nl')
