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

    @app.cli.command("sweep")
    @click.option("--older-than", default=10, show_default=True, help="Minutes a job may take before it counts as stuck.")
    def sweep(older_than):
        """Resume work that a dead worker or a Redis outage left unfinished: announcements of milestones
        whose fan-out never completed. Run it from cron or a systemd timer every few minutes; what was
        already delivered is skipped, so running it too often is harmless."""
        from datetime import timedelta

        from .jobs import dispatch
        from .jobs.milestones import announce_milestone
        from .notifications.services import unfinished_milestones

        milestone_ids = unfinished_milestones(timedelta(minutes=older_than))
        for milestone_id in milestone_ids:
            dispatch(announce_milestone, milestone_id)
        click.echo(f"resumed {len(milestone_ids)} milestone announcement(s)")

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
    @click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
    def worker(burst, queues):
        """Run an RQ worker inside the app's context, so that jobs share the app's configuration.
        It runs the scheduler too, which retries failed mails with backoff."""
        from rq import Queue, SimpleWorker

        if not current_app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process itself.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        connection = redis_connection()
        names = queues or QUEUES
        # SimpleWorker runs jobs in this process: no fork per job, and the app stays loaded.
        rq_worker = SimpleWorker([Queue(name, connection=connection) for name in names], connection=connection)
        rq_worker.work(burst=burst, with_scheduler=True)
