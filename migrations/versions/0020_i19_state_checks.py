"""check constraints for the states that had none: a delivery's kind and status, a signature's suspect
reason, what a bounce was about (issue 19: every state column keeps to its enum in the database too)

Revision ID: i19_state_checks
Revises: i23_mail_bounces
Create Date: 2026-12-07

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'i19_state_checks'
down_revision = 'i23_mail_bounces'
branch_labels = None
depends_on = None

# The values as they stand today, written out: a migration is a record and does not follow the enums.
CHECKS = {
    'deliveries': [
        ('ck_deliveries_kind', "kind IN ('milestone', 'answer', 'update')"),
        ('ck_deliveries_status', "status IN ('sent', 'failed')"),
    ],
    'signatures': [
        ('ck_signatures_suspect_reason', "suspect_reason IN ('blocked', 'invalidated')"),
    ],
    'mail_bounces': [
        ('ck_mail_bounces_about', "about IN ('s', 'h', 'u', 'm')"),
    ],
}


# On SQLite a batch rebuilds the table: it must keep AUTOINCREMENT, so that no id is ever reused.
def upgrade():
    # Since i11a a signature beyond the soft limits is flagged ('rate' moved to review_flag); nothing
    # else has ever been written to suspect_reason.
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            for name, condition in checks:
                batch_op.create_check_constraint(op.f(name), condition)
    if op.get_bind().dialect.name == 'sqlite':
        # i18_outbox_owed rebuilt outbox_jobs without AUTOINCREMENT on SQLite: give it back.
        with op.batch_alter_table('outbox_jobs', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass


def downgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            for name, _ in checks:
                batch_op.drop_constraint(op.f(name), type_='check')
