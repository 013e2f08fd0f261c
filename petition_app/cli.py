"""Commands for `flask --app wsgi ...`."""
import logging
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from .campaigns.services import CampaignFileError, import_campaign
from .config import PROJECT_ROOT
from .jobs import QUEUES, redis_connection

DEMO_FILE = PROJECT_ROOT / "examples" / "safe-leiden.yaml"


def load_campaign_file(path):
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    try:
        return import_campaign(data)
    except CampaignFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc


def campaign_or_fail(slug):
    from .campaigns.models import Campaign
    from .extensions import db

    campaign = db.session.scalar(db.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise click.ClickException(f"no campaign with slug {slug!r}")
    return campaign


def register_commands(app):
    @app.cli.command("demo")
    def demo():
        """Load the Safe Leiden demo campaign, open for signing. Running it again changes nothing:
        it updates the text from the file and never touches signatures or the count."""
        campaign = load_campaign_file(DEMO_FILE)
        click.echo(f"Demo campaign '{campaign.slug}' is ready: {current_app.config['BASE_URL']}/campaigns/{campaign.slug}")

    campaign_group = AppGroup("campaign", help="Manage campaigns.")
    app.cli.add_command(campaign_group)

    @campaign_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_command(file):
        """Create or update a campaign from a campaign file (see README: the campaign file), so that a
        campaign can be kept under version control and loaded the same way everywhere."""
        campaign = load_campaign_file(file)
        click.echo(f"Imported '{campaign.slug}' ({campaign.status}), {len(campaign.recipients)} recipients")

    letters_group = AppGroup("letters", help="Letters to a campaign's recipients.")
    app.cli.add_command(letters_group)

    @letters_group.command("generate")
    @click.argument("slug")
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
    def letters_generate(slug, out_dir):
        """Write <recipient-key>.<lang>.pdf for every recipient in both languages, with today's count,
        so organizers can read the letters before anything is sent."""
        from .letters.services import write_letters

        campaign = campaign_or_fail(slug)
        for path in write_letters(campaign, out_dir):
            click.echo(str(path))

    @letters_group.command("send")
    @click.argument("slug")
    def letters_send(slug):
        """Compile the letters with today's count and mail each recipient its own, with a private
        link to answer the demands (until the organizers' dashboard offers this button)."""
        from .letters.services import send_letters

        campaign = campaign_or_fail(slug)
        handovers = send_letters(campaign.id)
        click.echo(f"queued the letters for {len(handovers)} recipient(s)")

    signatures_group = AppGroup("signatures", help="Moderate signatures.")
    app.cli.add_command(signatures_group)

    @signatures_group.command("invalidate")
    @click.argument("slug")
    @click.option("--from", "since", type=click.DateTime(), help="Signed at or after (UTC).")
    @click.option("--to", "until", type=click.DateTime(), help="Signed before (UTC).")
    @click.option("--ip-hash", help="The keyed hash of one address, as shown in abuse reports.")
    @click.option("--domain", help="A mail domain, e.g. spam.example.")
    @click.option("--yes", is_flag=True, help="Do it; without this only the number is shown.")
    def signatures_invalidate(slug, since, until, ip_hash, domain, yes):
        """Take signatures that abuse put in out of the count, by time window, address hash or mail
        domain. Shows how many first; the count is recomputed and milestones stay reached."""
        from datetime import timezone

        from .signing.moderation import invalidate, preview_invalidation

        campaign = campaign_or_fail(slug)
        filters = {
            "since": since.replace(tzinfo=timezone.utc) if since else None,
            "until": until.replace(tzinfo=timezone.utc) if until else None,
            "ip_hash": ip_hash,
            "domain": domain,
        }
        if not any(filters.values()):
            raise click.ClickException("give at least one of --from, --to, --ip-hash, --domain")
        count = preview_invalidation(campaign.id, **filters)
        if not yes:
            click.echo(f"{count} counted signature(s) match; run again with --yes to invalidate them")
            return
        click.echo(f"invalidated {invalidate(campaign.id, **filters)} signature(s)")

    admin_group = AppGroup("admin", help="Moderator accounts.")
    app.cli.add_command(admin_group)

    @admin_group.command("create")
    @click.argument("email")
    @click.option("--name", default=None, help="Shown to organizers in moderation mails.")
    def admin_create(email, name):
        """Make EMAIL a moderator (creating the account if needed) and print a link, valid for 24 hours,
        to choose a password: no password ever passes through a terminal or a shell history."""
        from .accounts.services import create_admin
        from .rules import EmailInvalid

        try:
            user, link = create_admin(email, name)
        except EmailInvalid as exc:
            raise click.ClickException(f"not an email address: {email}") from exc
        click.echo(f"{user.email} is an admin. Choose a password here: {link}")

    @app.cli.command("sweep")
    @click.option("--older-than", default=10, show_default=True, help="Minutes a job may take before it counts as stuck.")
    def sweep(older_than):
        """Periodic work, from cron or a systemd timer every few minutes: resume announcements of milestones
        whose fan-out never completed (a dead worker, a Redis outage), remind recipients who have not
        answered, and delete personal data we no longer need. Every part is idempotent, so running it
        too often is harmless."""
        from datetime import timedelta

        from .jobs import dispatch, dispatch_outbox
        from .jobs.milestones import announce_milestone
        from .letters.services import send_due_reminders
        from .notifications.services import unfinished_milestones
        from .signing.moderation import reconcile_counts
        from .signing.retention import purge_closed_campaigns, purge_unconfirmed

        click.echo(f"handed over {dispatch_outbox(timedelta(minutes=1))} job(s) from the outbox")
        milestone_ids = unfinished_milestones(timedelta(minutes=older_than))
        for milestone_id in milestone_ids:
            dispatch(announce_milestone, milestone_id)
        click.echo(f"resumed {len(milestone_ids)} milestone announcement(s)")
        click.echo(f"sent {send_due_reminders()} reminder(s) to recipients")
        click.echo(f"deleted {purge_unconfirmed()} unconfirmed signature(s)")
        purged = purge_closed_campaigns()
        click.echo(f"deleted the personal data of {len(purged)} closed campaign(s)")
        click.echo(f"repaired the count of {len(reconcile_counts())} campaign(s)")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
    @click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
    def worker(burst, queues):
        """Run an RQ worker inside the app's context, so that jobs share the app's configuration.
        It runs the scheduler too, which retries failed mails with backoff."""
        from rq import SimpleWorker

        from .jobs import get_queue

        if not current_app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process itself.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        connection = redis_connection()
        names = queues or QUEUES
        # SimpleWorker runs jobs in this process: no fork per job, and the app stays loaded.
        rq_worker = SimpleWorker([get_queue(name) for name in names], connection=connection)
        rq_worker.work(burst=burst, with_scheduler=True)
