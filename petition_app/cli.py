"""Commands for `flask --app wsgi ...`. Each command commits once, after the operations it calls."""
import hashlib
import logging
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
import yaml
from flask import Flask, current_app
from flask.cli import AppGroup

from .accounts.operations import create_admin
from .bounces.operations import record_bounce
from .campaigns.models import Campaign
from .campaigns.operations import CampaignFileError, import_campaign
from .campaigns.queries import campaign_by_slug
from .config import PROJECT_ROOT, remember_base_url
from .extensions import db
from .jobs import QUEUES
from .jobs.schedule import SCHEDULE
from .jobs.worker import run_worker
from .letters import operations as letters
from .letters.documents import write_letters
from .letters.queries import records_with_file
from .links import external_url
from .mail.authentication import dns_records, txt_chunks
from .recipients.operations import RegistryFileError, import_registry
from .rules import EmailInvalid, has_a_filter
from .signing import upkeep as signing

DEMO_FILE = PROJECT_ROOT / "examples" / "safe-leiden.yaml"


def load_campaign_file(path: str | Path) -> Campaign:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise click.ClickException(f"cannot read {path}: {exc}") from exc
    try:
        campaign = import_campaign(data)
    except CampaignFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from exc
    db.session.commit()
    return campaign


def campaign_or_fail(slug: str) -> Campaign:
    campaign = campaign_by_slug(slug)
    if campaign is None:
        raise click.ClickException(f"no campaign with slug {slug!r}")
    return campaign


def register_commands(app: Flask) -> None:
    @app.cli.command("demo")
    def demo() -> None:
        """Load the Safe Leiden demo campaign, open for signing. Running it again changes nothing:
        it updates the text from the file and never touches signatures or the count."""
        campaign = load_campaign_file(DEMO_FILE)
        if os.environ.get("BASE_URL"):  # `make demo` sets it from HOST and PORT: later commands follow it
            remember_base_url(current_app.instance_path, current_app.config["BASE_URL"])
        click.echo(f"Demo campaign '{campaign.slug}' is ready: {current_app.config['BASE_URL']}/campaigns/{campaign.slug}")

    campaign_group = AppGroup("campaign", help="Manage campaigns.")
    app.cli.add_command(campaign_group)

    @campaign_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def import_command(file: str) -> None:
        """Create or update a campaign from a campaign file (see README: the campaign file), so that a
        campaign can be kept under version control and loaded the same way everywhere."""
        campaign = load_campaign_file(file)
        click.echo(f"Imported '{campaign.slug}' ({campaign.status}), {len(campaign.recipients)} recipients")

    letters_group = AppGroup("letters", help="Letters to a campaign's recipients.")
    app.cli.add_command(letters_group)

    @letters_group.command("generate")
    @click.argument("slug")
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write into.")
    def letters_generate(slug: str, out_dir: str) -> None:
        """Write <recipient-key>.<lang>.pdf for every recipient in both languages, with today's count,
        so organizers can read the letters before anything is sent."""
        campaign = campaign_or_fail(slug)
        for path in write_letters(campaign, out_dir):
            click.echo(str(path))

    @letters_group.command("send")
    @click.argument("slug")
    def letters_send(slug: str) -> None:
        """Compile the letters with today's count and mail each recipient its own, with a private
        link to answer the demands (until the organizers' dashboard offers this button)."""
        campaign = campaign_or_fail(slug)
        handovers = letters.send_letters(campaign.id)
        db.session.commit()
        click.echo(f"queued the letters for {len(handovers)} recipient(s)")

    @letters_group.command("verify")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def letters_verify(file: str) -> None:
        """Whether FILE (a letter's PDF) is one of the files on a letter record: its SHA-256 against every
        record's files. Exit status 0 when it is, 1 when it is not."""
        digest = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        found = records_with_file(digest)
        click.echo(f"SHA-256 {digest}")
        if not found:
            click.echo("not on record: no letter record holds this file (not a letter we sent, or it was changed)")
            sys.exit(1)
        for record, entry in found:
            click.echo(
                f"on record: {external_url('letters.record', slug=record.campaign.slug, number=record.number)} "
                f"(letter {record.number}, to {entry['recipient']}, {entry['language']}; counted {record.online_count} online, "
                f"{record.paper_count} paper, {record.total_count} in all)"
            )

    signatures_group = AppGroup("signatures", help="Moderate signatures.")
    app.cli.add_command(signatures_group)

    @signatures_group.command("invalidate")
    @click.argument("slug")
    @click.option("--from", "since", type=click.DateTime(), help="Signed at or after (UTC).")
    @click.option("--to", "until", type=click.DateTime(), help="Signed before (UTC).")
    @click.option("--ip-hash", help="The keyed hash of one address, as shown in abuse reports.")
    @click.option("--domain", help="A mail domain, e.g. spam.example.")
    @click.option("--yes", is_flag=True, help="Do it; without this only the number is shown.")
    def signatures_invalidate(
        slug: str, since: datetime | None, until: datetime | None, ip_hash: str | None, domain: str | None, yes: bool,
    ) -> None:
        """Take signatures that abuse put in out of the count, by time window, address hash or mail
        domain. Shows how many first; the count is recomputed and milestones stay reached."""
        campaign = campaign_or_fail(slug)
        filters = {
            "since": since.replace(tzinfo=timezone.utc) if since else None,
            "until": until.replace(tzinfo=timezone.utc) if until else None,
            "ip_hash": ip_hash,
            "domain": domain,
        }
        if not has_a_filter(filters):
            raise click.ClickException("give at least one of --from, --to, --ip-hash, --domain")
        count = signing.preview_invalidation(campaign.id, **filters)
        if not yes:
            click.echo(f"{count} counted signature(s) match; run again with --yes to invalidate them")
            return
        taken = signing.invalidate(campaign.id, **filters)
        db.session.commit()
        click.echo(f"invalidated {taken} signature(s)")

    admin_group = AppGroup("admin", help="Moderator accounts.")
    app.cli.add_command(admin_group)

    @admin_group.command("create")
    @click.argument("email")
    @click.option("--name", default=None, help="Shown to organizers in moderation mails.")
    def admin_create(email: str, name: str | None) -> None:
        """Make EMAIL a moderator (creating the account if needed) and print a link, valid for 24 hours,
        to choose a password: no password ever passes through a terminal or a shell history."""
        try:
            user, link = create_admin(email, name)
        except EmailInvalid as exc:
            raise click.ClickException(f"not an email address: {email}") from exc
        db.session.commit()
        click.echo(f"{user.email} is an admin. Choose a password here: {link}")

    recipients_group = AppGroup("recipients", help="The registry of recipients.")
    app.cli.add_command(recipients_group)

    @recipients_group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def recipients_import(file: str) -> None:
        """Create or update registry entries from a YAML file (see README: the registry of recipients), by
        key. The whole file is checked first. It counts as reviewed: new entries are approved, a changed
        address takes effect at once (and reaches the campaigns addressed to the entry); every change is
        in the entry's log on /admin/recipients."""
        try:
            data = yaml.safe_load(Path(file).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise click.ClickException(f"cannot read {file}: {exc}") from exc
        try:
            created, changed = import_registry(data)
        except RegistryFileError as exc:
            raise click.ClickException(f"{file}: {exc}") from exc
        db.session.commit()
        click.echo(f"{created} recipient(s) added, {changed} changed")

    mail_group = AppGroup("mail", help="Mail that arrives: DNS records and bounces.")
    app.cli.add_command(mail_group)

    @mail_group.command("dns")
    def mail_dns() -> None:
        """Print the DNS records that make mail from this platform trusted, in zone-file form: receivers
        check DKIM against the first, SPF against the envelope sender's domain, DMARC ties both to the
        From domain. Nothing here is secret: the DKIM record holds the public half of the key."""
        if not current_app.config.get("DKIM_SELECTOR") or not current_app.config.get("DKIM_PRIVATE_KEY"):
            click.echo("; DKIM: set DKIM_SELECTOR and DKIM_PRIVATE_KEY (a PEM file) to sign mail and print its record")
        for name, kind, value in dns_records():
            if value.startswith("v=spf1"):
                click.echo("; SPF: list the hosts that send your mail (mx, a:HOST, ip4:ADDRESS)")
            elif value.startswith("v=DMARC1"):
                click.echo("; DMARC: start with p=none, read the reports, then p=quarantine")
            click.echo(f"{name}. IN {kind} {txt_chunks(value)}")

    @mail_group.command("bounce")
    @click.option("--to", "envelope_to", required=True, help="The envelope recipient: bounces+TOKEN@domain.")
    def mail_bounce(envelope_to: str) -> None:
        """Read a delivery status notification (RFC 3464) on standard input, as an MTA's pipe transport
        delivers it, so that no bounce goes unnoticed: a letter that did not arrive is shown and mailed
        to its organizers, an address that bounced for good gets no more bulk mail. Anything that is
        not our bounce is accepted and dropped (exit 0), so the MTA sends nothing back; when the
        database cannot be reached it exits 75 (EX_TEMPFAIL), so the MTA delivers it again later."""
        stdin = sys.stdin.buffer
        data = stdin.read(1024 * 1024)  # the report comes first; the returned mail after it may be large
        while stdin.read(1024 * 1024):  # read it all the same: the MTA's pipe must not break
            pass
        try:
            recorded = record_bounce(envelope_to, data)
            db.session.commit()
        except Exception:  # noqa: BLE001  # the MTA keeps the DSN and tries again
            logging.getLogger(__name__).exception("a bounce could not be recorded")
            raise SystemExit(75)
        click.echo(f"recorded {len(recorded)} bounce(s)" + "".join(f" [{b.type} {b.status}]" for b in recorded))

    @app.cli.command("sweep")
    def sweep() -> None:
        """Run every entry of the periodic work now, by hand, in the order jobs/schedule.py declares it:
        the workers run each on its own schedule, so no cron is needed; this is for an operator who
        wants it at once (after an outage, say). Every entry is idempotent, so running it too often is
        harmless. It loops over SCHEDULE itself, so it can never leave an entry out."""
        for periodic in SCHEDULE:
            click.echo(periodic.report(periodic.function()()))

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
    @click.option("--queue", "queues", multiple=True, help="Queues to listen on (default: all).")
    def worker(burst: bool, queues: tuple[str, ...]) -> None:
        """Run an RQ worker inside the app's context, so that jobs share the app's configuration.
        It runs the scheduler too, which retries failed mails with backoff, and the periodic work of
        petition_app/jobs/schedule.py; it starts again by itself when a Redis outage ends its work."""
        if not current_app.config.get("REDIS_URL"):
            raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process itself.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's proxy is untyped
        run_worker(app, queues or QUEUES, burst=burst)
