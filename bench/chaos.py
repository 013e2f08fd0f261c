"""The soak (issue 18, "Nothing lost when any part dies"): a private production stack, hundreds of
simulated signers using the real pages over nginx, and parts of the stack killed at random while they
sign; then, with no manual command, everything must settle: every mail sent once, every count exact,
nothing left owed, and no person ever shown a 500 or nginx's bare gateway page.

    make soak                                   # SOAK_SECONDS=600, both Redis modes
    .venv/bin/python bench/chaos.py --seconds 90 --signers 120 --redis plain --seed 7

Everything runs on this machine (127.0.0.1 and other loopback addresses) with a PostgreSQL cluster,
a Redis, an SMTP sink, gunicorn, two workers and nginx of its own, in a temporary folder that is
deleted at the end (also after Ctrl-C or an error). See docs/resilience.md for what it kills, what it
checks, and what each figure means. Exit code: 0 when every figure is right, 1 when any is off,
2 when the soak itself could not run.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chaos_people import Answers, Browser, Person, Walk, make_people  # noqa: E402
from bench.chaos_stack import SLUG, Mail, Stack, children_of, log  # noqa: E402

SETTLE_SECONDS = 180
MODES = {"aof": [True], "plain": [False], "both": [True, False]}
SUBJECTS = [
    ("confirm", re.compile(r"^(Confirm your signature|Bevestig je handtekening):")),
    ("already_signed", re.compile(r"^(You have already signed|Je hebt al getekend):")),
    ("withdrawn", re.compile(r"^(Your signature is withdrawn|Je handtekening is ingetrokken):")),
    ("milestone_organizers", re.compile(r"^(Your campaign reached|Je campagne heeft) ([\d.,]+)")),
    ("milestone", re.compile(r"^([\d.,]+) (signatures?|handtekeningen?):")),
]
TOKEN_PURPOSES = {"/verify/": "verify", "/withdraw/": "withdraw", "/my-data/": "my_data", "/unsubscribe/": "unsubscribe"}


def number(text: str) -> int:
    return int(re.sub(r"[.,\s]", "", text))


# ---------------------------------------------------------------- the mails


def mail_classifier(secret_key: str) -> Callable[[Mail], None]:
    """Names each mail's kind from its subject (Dutch or English) and reads the payload of each link's
    token (signature id `s`, sign request `r`) with the stack's SECRET_KEY."""
    from itsdangerous import URLSafeTimedSerializer

    from petition_app.tokens import SALTS, Purpose

    def classify(mail: Mail) -> None:
        for kind, pattern in SUBJECTS:
            found = pattern.search(mail.subject)
            if found:
                if kind == "milestone" and not mail.bulk:
                    continue
                mail.kind = kind
                if kind == "milestone":
                    mail.goal = number(found.group(1))
                elif kind == "milestone_organizers":
                    mail.goal = number(found.group(2))
                break
        for link in mail.links:
            for marker, purpose in TOKEN_PURPOSES.items():
                if marker in link:
                    token = link.split(marker, 1)[1].split("/")[0].split("?")[0]
                    try:
                        mail.tokens[purpose] = URLSafeTimedSerializer(secret_key, salt=SALTS[Purpose(purpose)]).loads(token)
                    except Exception:  # noqa: BLE001
                        mail.tokens[purpose] = {"unreadable": True}

    return classify


# ---------------------------------------------------------------- the kills


class Chaos(threading.Thread):
    """Kills parts of the stack at random (seeded), one at a time, until `stop`: every kind once in a
    shuffled order first, then at random (the 30-s SMTP outage half as often as each other kind); a
    pause of 4-9 s between two."""

    KINDS = ["gunicorn worker", "gunicorn master", "rq worker", "redis lost", "redis crash", "smtp refuses, then redis lost",
             "postgres immediate restart"]

    def __init__(self, stack: Stack, rng: random.Random, seconds: float, note: Callable[[str], None]):
        super().__init__(daemon=True, name="chaos")
        self.stack, self.rng, self.seconds, self.note = stack, rng, seconds, note
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self.done: list[str] = []

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def run(self) -> None:
        order = self.KINDS[:]
        self.rng.shuffle(order)
        if self.stopping.wait(5):
            return
        while self.left() > 5 and not self.stack.closed.is_set():
            # after the first round at random; the SMTP outage (30 s long) half as often as the others
            weights = [1 if k.startswith("smtp") else 2 for k in self.KINDS]
            kind = order.pop(0) if order else self.rng.choices(self.KINDS, weights)[0]
            if kind.startswith("smtp") and self.left() < 40:
                kind = self.rng.choice([k for k in self.KINDS if not k.startswith("smtp")])
            try:
                getattr(self, "do_" + re.sub(r"\W+", "_", kind).strip("_"))()
                self.done.append(kind)
            except Exception as exc:  # noqa: BLE001
                self.note(f"chaos: {kind} failed: {exc}")
            if self.stopping.wait(self.rng.uniform(4, 9)):
                return

    def do_gunicorn_worker(self) -> None:
        gunicorn = self.stack.gunicorn
        assert gunicorn is not None
        workers = [] if gunicorn.dead() else children_of(gunicorn.pid)
        if not workers:
            self.note("kill -9 gunicorn worker: none running (gunicorn is starting again)")
            return
        pid = self.rng.choice(sorted(workers))
        os.kill(pid, signal.SIGKILL)
        self.note(f"kill -9 gunicorn worker {pid}")

    def do_gunicorn_master(self) -> None:
        gunicorn = self.stack.gunicorn
        assert gunicorn is not None
        with gunicorn.lock:
            if gunicorn.dead():
                self.note("kill -9 gunicorn master: not running (starting again)")
                return
            pid = gunicorn.pid
            os.kill(pid, signal.SIGKILL)
        self.note(f"kill -9 gunicorn master {pid} (restarted like systemd's Restart=always)")

    def do_rq_worker(self) -> None:
        alive = [w for w in self.stack.workers if not w.dead()]
        if not alive:
            self.note("kill -9 rq worker: none running")
            return
        worker = self.rng.choice(alive)
        with worker.lock:
            pid = worker.pid
            os.kill(pid, signal.SIGKILL)
        self.note(f"kill -9 {worker.name} {pid} (restarted like systemd's Restart=always)")

    def _redis(self, wipe: bool, what: str) -> None:
        redis = self.stack.redis
        assert redis is not None
        with redis.lock:
            pid = redis.kill9()
            if wipe:
                redis.wipe()
            self.note(f"{what}: kill -9 redis-server {pid}" + (", its files deleted" if wipe else ""))
            time.sleep(1.0)
            redis.start()
        self.note(f"{what}: redis-server started again ({'empty' if wipe or not redis.aof else 'from its append-only file'})")

    def do_redis_lost(self) -> None:
        self._redis(True, "redis lost")

    def do_redis_crash(self) -> None:
        self._redis(False, "redis crash")

    def do_smtp_refuses_then_redis_lost(self) -> None:
        self.stack.sink.refuse_for(30)
        self.note("smtp sink refuses all mail (451) for 30 s")
        if self.stopping.wait(30):
            self.stack.sink.refuse_for(0)
            return
        self.note("smtp sink accepts mail again")
        self._redis(True, "redis lost after the smtp outage")

    def do_postgres_immediate_restart(self) -> None:
        postgres = self.stack.postgres
        assert postgres is not None
        self.note("pg_ctl restart -m immediate ...")
        outcome = postgres.restart_immediate()
        self.note(f"pg_ctl restart -m immediate: {outcome}")

    def stop(self) -> None:
        self.stopping.set()


# ---------------------------------------------------------------- one pass


class Pass:
    def __init__(self, name: str, aof: bool, seed: int, args: argparse.Namespace):
        self.name, self.aof, self.seed, self.args = name, aof, seed, args
        self.rng = random.Random(seed)
        self.t0 = time.monotonic()
        self.events: list[str] = []
        self.goals = [max(2, args.signers // 6), max(4, args.signers // 2)]
        self.stack = Stack(aof, lambda m: None, self.note, self.goals)
        self.stack.sink.classify = mail_classifier(self.stack.secret_key)
        self.answers = Answers()
        self.people: list[Person] = []
        self.mail_deadline = time.monotonic() + args.seconds + args.settle + 60
        self.figures: list[tuple[str, str, bool]] = []  # (figure, value, ok)
        self.chaos: Chaos | None = None
        self.details: list[str] = []

    def note(self, message: str) -> None:
        line = f"[{time.monotonic() - self.t0:7.1f} s {time.strftime('%H:%M:%S')}] {message}"
        self.events.append(line)
        log(line)

    def figure(self, name: str, value: Any, ok: bool) -> None:
        self.figures.append((name, str(value), ok))

    # -------------------------------------------------------- database and Redis

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        import psycopg

        assert self.stack.postgres is not None
        for attempt in range(10):
            try:
                with psycopg.connect(self.stack.postgres.dsn, connect_timeout=5) as conn:
                    return list(conn.execute(query, params).fetchall())
            except psycopg.OperationalError:
                if attempt == 9:
                    raise
                time.sleep(1)
        return []

    def rq_state(self) -> dict[str, Any]:
        from redis import Redis
        from rq import Queue
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

        assert self.stack.redis is not None
        connection = Redis.from_url(self.stack.redis.url, socket_timeout=5)
        state: dict[str, Any] = {}
        try:
            for name in ("mail", "milestones", "default"):
                queue = Queue(name, connection=connection)
                failed = FailedJobRegistry(queue=queue)
                state[name] = {
                    "queued": queue.count, "started": StartedJobRegistry(queue=queue).count,
                    "scheduled": ScheduledJobRegistry(queue=queue).count, "failed": failed.count,
                    "failed_jobs": [self._job_name(connection, job_id) for job_id in failed.get_job_ids()[:20]],
                }
        finally:
            connection.close()
        return state

    @staticmethod
    def _job_name(connection: Any, job_id: str) -> str:
        from rq.job import Job

        try:
            job = Job.fetch(job_id, connection=connection)
            lines = [line for line in (job.exc_info or "").strip().splitlines() if line.strip() and not line.startswith((" ", "\t"))]
            errors = [line for line in lines if re.match(r"^[\w.]+(Error|Exception|Refused|Timeout)\w*\b", line)]
            return f"{job.func_name}: {(errors or lines or ['?'])[-1]}"
        except Exception:  # noqa: BLE001
            return job_id

    def owed(self) -> dict[str, int]:
        """What the app still owes: outbox rows, jobs in RQ (queued, running, waiting to retry),
        milestones not announced, withdrawn signatures whose receipt has not gone, mails asked for and
        not sent."""
        owed: dict[str, int] = {}
        owed["outbox rows"] = self.sql("SELECT count(*) FROM outbox_jobs")[0][0]
        owed["milestones not announced"] = self.sql("SELECT count(*) FROM milestones WHERE announced_at IS NULL")[0][0]
        owed["withdrawn signatures not yet deleted (receipt owed)"] = self.sql(
            "SELECT count(*) FROM signatures WHERE withdrawn_at IS NOT NULL")[0][0]
        owed["signer mails asked for and not sent"] = self.sql(
            "SELECT coalesce(sum(mails_requested - mails_sent), 0) FROM signatures "
            "WHERE mails_sent < mails_requested AND withdrawn_at IS NULL AND suspect_reason IS NULL")[0][0]
        try:
            for queue, counts in self.rq_state().items():
                for state in ("queued", "started", "scheduled"):
                    owed[f"rq {queue} {state}"] = counts[state]
        except Exception as exc:  # noqa: BLE001
            owed[f"rq unreadable ({type(exc).__name__})"] = 1
        return owed

    # -------------------------------------------------------- run

    def run(self) -> bool:
        args = self.args
        self.note(f"pass {self.name}: seed {self.seed}, {args.signers} signers, {args.seconds:.0f} s of chaos, "
                  f"redis {'with' if self.aof else 'without'} append-only file, goals {self.goals}")
        self.stack.start()
        self.t0 = time.monotonic()
        self.note(f"stack up in {self.stack.folder}: nginx :{self.stack.nginx_port}, gunicorn :{self.stack.gunicorn_port}, "
                  f"postgres :{self.stack.postgres.port if self.stack.postgres else '?'}, "
                  f"redis :{self.stack.redis.port if self.stack.redis else '?'}, smtp :{self.stack.sink.port}")
        self.mail_deadline = self.t0 + args.seconds + args.settle
        self.people = make_people(self.rng, args.signers, args.seconds * 0.75, self.name)
        gate = threading.Semaphore(args.concurrency)
        walks = [Walk(p, self.stack.nginx_port, self.stack.sink, self.answers, gate, lambda: self.mail_deadline,
                      random.Random(self.rng.random())) for p in self.people]
        chaos = self.chaos = Chaos(self.stack, random.Random(self.rng.random()), args.seconds, self.note)
        chaos.start()
        pending = sorted(walks, key=lambda w: w.p.arrive_at)
        while pending or time.monotonic() - self.t0 < args.seconds:
            now = time.monotonic() - self.t0
            while pending and pending[0].p.arrive_at <= now:
                pending.pop(0).start()
            time.sleep(0.05)
        chaos.stop()
        chaos.join(timeout=60)
        self.note(f"chaos over ({len(chaos.done)} kills: {dict(Counter(chaos.done))}); settling, at most {args.settle} s")
        self.settle(walks)
        return self.check()

    def settle(self, walks: list[Walk]) -> None:
        deadline = time.monotonic() + self.args.settle
        self.mail_deadline = deadline
        quiet = 0
        last: dict[str, int] = {}
        while time.monotonic() < deadline:
            waiting = sum(1 for w in walks if not w.p.finished)
            try:
                owed = self.owed()
            except Exception as exc:  # noqa: BLE001
                owed = {f"unreadable ({type(exc).__name__})": 1}
            last = {k: v for k, v in owed.items() if v}
            quiet = quiet + 1 if waiting == 0 and not last else 0
            if quiet >= 3:  # three looks in a row, a second apart, with nothing owed and nobody waiting
                self.note(f"settled after {self.args.settle - (deadline - time.monotonic()):.0f} s")
                return
            time.sleep(1)
        self.note(f"not settled after {self.args.settle} s: {sum(1 for w in walks if not w.p.finished)} signers still waiting; owed {last}")

    # -------------------------------------------------------- the figures

    def check(self) -> bool:
        people = self.people
        mails = list(self.stack.sink.mails)
        by_person: dict[str, list[Mail]] = defaultdict(list)
        for mail in mails:
            by_person[mail.to].append(mail)
        emails = {p.email for p in people}

        # signers
        gave_up = [p for p in people if p.gave_up]
        unfinished = [p for p in people if not p.finished]
        self.figure("signers", f"{len(people)} ({dict(Counter(p.script for p in people))})", True)
        self.figure("signers who could not finish (gave up or still waiting)", len(gave_up) + len(unfinished), not gave_up and not unfinished)
        for reason, n in Counter(p.gave_up or "still waiting" for p in gave_up + unfinished).most_common():
            self.details.append(f"  {n} signers: {reason}")
        for p in (gave_up + unfinished)[:10]:
            self.details.append(f"  signer {p.index} ({p.script}, step {p.done_steps + 1}/{len(p.steps)}): {p.gave_up or 'still waiting'}")

        # mails
        lives = [life for p in people for life in p.lives]
        expected_min = sum(min(1, life.sign_accepted) + life.again_accepted for life in lives) + sum(p.receipts_waited for p in people)
        expected_max = sum(life.sign_accepted + life.sign_unsure + life.again_accepted + life.again_unsure for life in lives) \
            + sum(p.receipts_waited for p in people)
        kinds = Counter(m.kind for m in mails)
        missing_confirm = [p for p in people if "confirm" in p.missing]
        missing_other = [p for p in people if set(p.missing) - {"confirm"}]
        self.figure("mails received, by kind", dict(kinds), True)
        self.figure("signer mails (confirm, already signed, receipt) expected vs received",
                    f"{expected_min}..{expected_max} expected, {kinds['confirm'] + kinds['already_signed'] + kinds['withdrawn']} received",
                    expected_min <= kinds["confirm"] + kinds["already_signed"] + kinds["withdrawn"] <= expected_max)
        self.figure("signers without their confirmation mail", len(missing_confirm), not missing_confirm)
        self.figure("signers without an 'already signed' mail or receipt they waited for", len(missing_other), not missing_other)
        strays = [m for m in mails if m.kind in ("confirm", "already_signed", "withdrawn", "milestone") and m.to not in emails]
        others = [m for m in mails if m.kind == "other"]
        self.figure("mails of no known kind, or to nobody of the soak", len(strays) + len(others), not strays and not others)
        for m in (strays + others)[:5]:
            self.details.append(f"  unknown mail #{m.number}: {m.subject[:80]!r}")

        # mails sent twice
        twice = self.sent_twice(people, mails)
        self.figure("mails sent twice", sum(twice.values()), not sum(twice.values()))
        for what, n in twice.items():
            if n:
                self.details.append(f"  sent twice: {what}: {n}")

        # counts
        self.check_counts(people)

        # milestones
        self.check_milestones(people, by_person, mails)

        # owed
        try:
            for _ in range(5):  # periodic work is queued every few seconds: take a look with none in flight
                owed = self.owed()
                if not any(owed.values()):
                    break
                time.sleep(1)
            failed = self.rq_state()
        except Exception as exc:  # noqa: BLE001
            owed, failed = {f"unreadable: {exc}": 1}, {}
        self.figure("left queued or owed", {k: v for k, v in owed.items() if v} or 0, not any(owed.values()))
        failed_count = sum(q.get("failed", 0) for q in failed.values())
        self.figure("jobs RQ gave up on (failed registry)", failed_count, failed_count == 0)
        for queue, counts in failed.items():
            for name in counts.get("failed_jobs", []):
                self.details.append(f"  failed job on {queue}: {name[:160]}")

        # what people saw
        answers = self.answers.items
        bad = [a for a in answers if a.verdict in ("gateway", "error", "no answer")]
        told = [a for a in answers if a.verdict == "retry"]
        self.figure("HTTP answers", f"{len(answers)} ({dict(Counter(a.status for a in answers))})", True)
        self.figure("told to retry (our page: 503/429 with Retry-After)", len(told), True)
        self.figure("5xx, gateway pages or no answer seen by a person", f"{len(bad)} {dict(Counter(f'{a.status} {a.verdict}' for a in bad))}" if bad else 0, not bad)
        groups: dict[str, list[Any]] = defaultdict(list)
        for a in bad:
            groups[f"{a.method} {a.path} -> {a.status} {a.verdict}"].append(a)
        for what, seen in sorted(groups.items(), key=lambda item: -len(item[1])):
            times = sorted(round(a.at - self.wall0()) for a in seen)
            shown = ", ".join(f"{t} s" for t in sorted(set(times))[:12]) + (" ..." if len(set(times)) > 12 else "")
            self.details.append(f"  {len(seen)}x {what} at {shown}: {seen[0].note[:70]}")
        self.log_excerpts()
        return all(ok for _, _, ok in self.figures)

    def wall0(self) -> float:
        return time.time() - (time.monotonic() - self.t0)

    def sent_twice(self, people: list[Person], mails: list[Mail]) -> dict[str, int]:
        """A mail is sent twice when the sink got the same Message-ID twice, or the same kind for the same
        cause twice: a confirmation for the same sign request (`r` in its link), a receipt for the same
        signature, a milestone to the same person for the same goal, the organizers' milestone mail for
        the same goal, or more "already signed" mails for a signature than it had sign requests while
        confirmed (those answered 303, plus those that got no clear answer and may have reached the app)."""
        twice: dict[str, int] = {}
        ids = Counter(m.message_id for m in mails)
        twice["same Message-ID"] = sum(n - 1 for n in ids.values() if n > 1)
        requests = Counter(m.tokens.get("verify", {}).get("r") for m in mails if m.kind == "confirm")
        twice["confirmation for the same sign request"] = sum(n - 1 for r, n in requests.items() if n > 1 and r is not None)
        receipts = Counter((m.to, self.signature_of(m)) for m in mails if m.kind == "withdrawn")
        twice["receipt for the same withdrawal"] = sum(n - 1 for n in receipts.values() if n > 1)
        milestones = Counter((m.to, m.goal) for m in mails if m.kind == "milestone")
        twice["milestone to the same person"] = sum(n - 1 for n in milestones.values() if n > 1)
        organizers = Counter(m.goal for m in mails if m.kind == "milestone_organizers")
        twice["organizers' milestone mail"] = sum(n - 1 for n in organizers.values() if n > 1)
        allowed: dict[tuple[str, int | None], int] = defaultdict(int)
        for p in people:
            for life in p.lives:
                allowed[(p.email, life.signature_id)] += life.again_accepted + life.again_unsure
        already = Counter((m.to, self.signature_of(m)) for m in mails if m.kind == "already_signed")
        twice["'already signed' beyond the requests"] = sum(max(0, n - allowed.get(key, 0)) for key, n in already.items())
        return twice

    @staticmethod
    def signature_of(mail: Mail) -> int | None:
        for purpose in ("my_data", "withdraw", "verify", "unsubscribe"):
            s = mail.tokens.get(purpose, {}).get("s")
            if s is not None:
                return int(s)
        return None

    def check_counts(self, people: list[Person]) -> None:
        """The count a person sees on the page, the API's, the column and the counted rows all equal the
        number of people whose last act was a confirmation. The page and the API may come from nginx's
        cache (PUBLIC_CACHE_SECONDS): they are read again for up to 20 s until they agree."""
        known = sum(1 for p in people if p.state == "confirmed")
        # gave up between pressing a button and seeing its answer: whether that press counted is unknown
        unsure = sum(1 for p in people for life in p.lives
                     if (life.confirm_started and not life.confirm_done) or (life.withdraw_started and not life.withdraw_done))
        column = self.sql("SELECT confirmed_count FROM campaigns WHERE slug = %s", SLUG)[0][0]
        rows = self.sql("SELECT count(*) FROM signatures s JOIN campaigns c ON c.id = s.campaign_id WHERE c.slug = %s "
                        "AND s.confirmed_at IS NOT NULL AND s.suspect_reason IS NULL", SLUG)[0][0]
        import json

        from bench.chaos_people import Answers as _Answers

        browser = Browser(self.stack.nginx_port, "127.0.0.1", -1, "en", _Answers(), threading.Semaphore(1))
        page = api = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = browser.request("GET", f"/campaigns/{SLUG}")
            found = re.search(r'id="progress-text">\s*([\d.,]+)', r.text) if r.status == 200 else None
            page = number(found.group(1)) if found else None
            r = browser.request("GET", f"/api/v1/campaigns/{SLUG}")
            try:
                api = json.loads(r.text)["signature_count"] if r.status == 200 else None
            except (ValueError, KeyError):
                api = None
            if page == api == column:
                break
            time.sleep(1)
        values = {"signers confirmed (driver)": known, "campaign page": page, "API /api/v1": api, "campaigns.confirmed_count": column,
                  "counted rows": rows}
        self.figure("counts (driver, page, API, column, rows)", values, len(set(values.values())) == 1 and not unsure)
        if unsure:
            self.details.append(f"  {unsure} signers gave up half-way: the driver cannot know whether they count")

    def check_milestones(self, people: list[Person], by_person: dict[str, list[Mail]], mails: list[Mail]) -> None:
        """Each milestone's mail exactly once to each signer in its audience: opted in, confirmed by the
        moment the goal was reached (the database's confirmed_at and reached_at) and still signed. A
        signer who withdrew after that moment may or may not have been reached (0 or 1); nobody else may
        get it, and nobody may get it twice."""
        reached = {goal: (at, announced, told) for goal, at, announced, told in self.sql(
            "SELECT m.goal, m.reached_at, m.announced_at, m.organizers_told_at FROM milestones m "
            "JOIN campaigns c ON c.id = m.campaign_id WHERE c.slug = %s", SLUG)}
        final = self.sql("SELECT confirmed_count FROM campaigns WHERE slug = %s", SLUG)[0][0]
        not_recorded = [g for g in self.goals if g <= final and g not in reached]
        self.figure("milestones recorded (goal: reached)", {g: g in reached for g in self.goals}, not not_recorded)
        ids = [life.signature_id for p in people for life in p.lives if life.signature_id is not None]
        current = {sid: (confirmed, wants) for sid, confirmed, wants in self.sql(
            "SELECT id, confirmed_at, wants_updates FROM signatures WHERE id = ANY(%s)", ids)} if ids else {}
        organizers = Counter(m.goal for m in mails if m.kind == "milestone_organizers")
        for goal, (at, _announced, _told) in sorted(reached.items()):
            moment = at.timestamp()
            must, may = set(), set()
            for p in people:
                if not p.updates:
                    continue
                for life in p.lives:
                    if life.signature_id in current and life.withdraw_started is None:
                        confirmed, wants = current[life.signature_id]
                        if confirmed is not None and wants and confirmed.timestamp() <= moment:
                            must.add(p.email)
                    elif life.confirm_started is not None and life.confirm_started <= moment + 1 and \
                            (life.withdraw_done is None or life.withdraw_done >= moment - 1):
                        may.add(p.email)
            got = Counter(m.to for m in mails if m.kind == "milestone" and m.goal == goal)
            missing = [e for e in must if got[e] == 0]
            twice = [e for e, n in got.items() if n > 1]
            stray = [e for e, n in got.items() if n and e not in must and e not in may]
            self.figure(f"milestone {goal}: mail to its audience exactly once",
                        f"audience {len(must)} (+{len(may - must)} who withdrew later), received by {sum(1 for e in must if got[e])}, "
                        f"missing {len(missing)}, twice {len(twice)}, outside the audience {len(stray)}; organizers told {organizers[goal]}x",
                        not missing and not twice and not stray and organizers[goal] == 1)

    def log_excerpts(self) -> None:
        """The exceptions in the logs of gunicorn, the workers, nginx and PostgreSQL, counted by their last
        line, so that a failure can be traced to what the app said at the time."""
        for name, path in sorted(self.stack.logs().items()):
            text = path.read_text(errors="replace")
            tracebacks = text.count("Traceback (most recent call last)")
            last_lines: Counter[str] = Counter()
            for block in text.split("Traceback (most recent call last)")[1:]:
                lines = [line for line in block.splitlines()[1:] if line.strip() and not line.startswith((" ", "\t"))]
                if lines:
                    last_lines[re.sub(r"\d{3,}", "N", lines[0])[:160]] += 1
            errors = len(re.findall(r"\b(ERROR|FATAL|PANIC|\[error\]|\[crit\]|\[alert\])", text))
            if tracebacks or errors:
                self.details.append(f"  log {name}: {tracebacks} tracebacks, {errors} error lines")
                for line, n in last_lines.most_common(6):
                    self.details.append(f"      {n}x {line}")

    def report(self) -> str:
        lines = [f"== pass {self.name} (seed {self.seed}, redis {'aof' if self.aof else 'plain'}) =="]
        for name, value, ok in self.figures:
            lines.append(f"  [{'ok ' if ok else 'OFF'}] {name}: {value}")
        lines += self.details
        return "\n".join(lines)

    def keep_logs(self, into: Path) -> None:
        target = into / self.name
        target.mkdir(parents=True, exist_ok=True)
        for name, path in self.stack.logs().items():
            shutil.copy(path, target / name)
        (target / "events.txt").write_text("\n".join(self.events) + "\n")
        (target / "report.txt").write_text(self.report() + "\n")


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)),
                        help="seconds of chaos in each pass (default: SOAK_SECONDS or 600)")
    parser.add_argument("--seed", type=int, default=None, help="the seed of every random choice (default: a new one, printed)")
    parser.add_argument("--signers", type=int, default=300, help="simulated signers in each pass (default 300)")
    parser.add_argument("--redis", choices=sorted(MODES), default="both",
                        help="redis-server with the append-only file (aof), without (plain) or one pass of each (both, the default)")
    parser.add_argument("--settle", type=float, default=SETTLE_SECONDS, help="longest wait for everything to settle (default 180 s)")
    parser.add_argument("--concurrency", type=int, default=12, help="HTTP requests in flight at most (default 12)")
    parser.add_argument("--keep-logs", type=Path, default=None, help="copy the logs, events and report of each pass into this folder")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    log(f"soak: seed {seed} (run again with --seed {seed})")

    current: list[Pass] = []

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt()

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a background job has it ignored
        signal.signal(signum, interrupted)
    ok = True
    try:
        for n, aof in enumerate(MODES[args.redis]):
            soak = Pass(f"{n + 1}-{'aof' if aof else 'plain'}", aof, seed * 10 + n, args)
            current.append(soak)
            try:
                passed = soak.run()
            finally:
                if soak.chaos is not None:
                    soak.chaos.stop()
                if args.keep_logs is not None:
                    try:
                        soak.keep_logs(args.keep_logs)
                    except Exception as exc:  # noqa: BLE001
                        log(f"could not keep the logs: {exc}")
                soak.stack.close()
            log(soak.report())
            ok = ok and passed
    except KeyboardInterrupt:
        log("soak: interrupted; everything it started is stopped and its folder deleted")
        for soak in current:
            soak.stack.close()
        return 130
    except Exception as exc:  # noqa: BLE001
        log(f"soak: could not run: {type(exc).__name__}: {exc}")
        for soak in current:
            soak.stack.close()
        return 2
    log(f"\nsoak (seed {seed}, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC): {'every figure right' if ok else 'FIGURES OFF'}")
    for soak in current:
        off = [name for name, _, right in soak.figures if not right]
        log(f"  pass {soak.name}: " + (f"off: {'; '.join(off)}" if off else "every figure right"))
    figures = [ok for soak in current for _, _, ok in soak.figures]
    log(f"soak: {sum(figures)} passed, {len(figures) - sum(figures)} failed")  # each figure of each pass, as a check
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
