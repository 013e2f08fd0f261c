"""The private stack of the soak (bench/chaos.py): every service of production as processes of its own,
in one temporary folder, on free ports, so that killing them never touches the machine's shared
PostgreSQL or Redis.

- PostgreSQL: a cluster of its own (initdb + pg_ctl; as root, run as the `postgres` user), fsync off;
- Redis: a redis-server of its own, with or without the append-only file;
- an SMTP sink (aiosmtpd, in this process) that keeps every message and can refuse mail (451) for a while;
- gunicorn with deploy/gunicorn.conf.py (2 workers), two `flask --app wsgi worker` processes, and
  Debian's nginx with deploy/nginx.conf rendered for the folder;
- a supervisor thread that starts gunicorn and the workers again when they die, as systemd does
  (Restart=always): what is left of the dead service's process group is stopped first, as systemd stops
  what is left of a unit's cgroup (gunicorn: SIGKILL at once, KillMode=mixed; a worker: SIGTERM, then
  SIGKILL after 5 s), then the service starts again RESTART_SECONDS later.

Everything listens on 127.0.0.1 only, every wait is bounded, and `Stack.close()` stops every process
and deletes the folder (bench/chaos.py calls it on any exit, Ctrl-C included).
"""
from __future__ import annotations

import email
import email.policy
import glob
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from bench.nginx import render_config

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
RESTART_SECONDS = 1.0  # systemd's RestartSec (deploy/*.service say 2; the soak restarts a little sooner)
SLUG = "safe-leiden"


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


def children_of(pid: int) -> list[int]:
    """Direct children of `pid`, read from /proc."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
            found.append(int(name))
    return found


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_group(pgid: int, grace: float = 5.0) -> None:
    """SIGTERM to a process group, SIGKILL to whatever is left after `grace` seconds."""
    if grace > 0:
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and group_alive(pgid):
        time.sleep(0.1)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------- PostgreSQL


def pg_bindir() -> Path:
    """Where initdb and pg_ctl are: PG_BINDIR, `pg_config --bindir`, or the newest /usr/lib/postgresql/*/bin."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(re.sub(r"\D", "", p) or 0), reverse=True)]
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_ctl").exists():
            return path
    raise RuntimeError("initdb/pg_ctl not found (apt-get install postgresql; or set PG_BINDIR)")


class Postgres:
    """A cluster of its own on a free port. initdb refuses to run as root, so as root it runs as the
    `postgres` user in a folder owned by it."""

    def __init__(self, folder: Path):
        self.dir = folder / "postgres"
        self.data = self.dir / "data"
        self.port = free_port()
        self.bindir = pg_bindir()
        self.as_root = os.geteuid() == 0
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/petitions"
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/petitions"

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/")
        if check and result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def _options(self) -> str:
        return (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                "-c fsync=off -c full_page_writes=off -c max_connections=80")

    def start(self) -> None:
        self.dir.mkdir()
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-w", "-t", "60", "-o", self._options(), "start")
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE petitions")

    def restart_immediate(self) -> str:
        """`pg_ctl restart -m immediate`: every connection is cut, unfinished transactions are lost."""
        result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-w", "-t", "60",
                           "-m", "immediate", "-o", self._options(), "restart", check=False)
        return "ok" if result.returncode == 0 else f"pg_ctl exited {result.returncode}: {result.stderr.strip()[-300:]}"

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", check=False)

    def log_path(self) -> Path:
        return self.dir / "postgres.log"


# ---------------------------------------------------------------- Redis


class Redis:
    """A redis-server of its own. `aof`: with the append-only file (fsync every second), so that a crash
    loses at most about a second; without it, a crash loses everything."""

    def __init__(self, folder: Path, aof: bool, closed: threading.Event):
        self.closed = closed
        self.dir = folder / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.aof = aof
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        if self.closed.is_set():
            raise RuntimeError("the stack is closed")
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
                   "--appendonly", "yes" if self.aof else "no", "--appendfsync", "everysec", "--daemonize", "no",
                   "--logfile", str(self.dir.parent / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(self.pings, 30, "redis-server to answer")

    def pings(self) -> bool:
        from redis import Redis as Client

        try:
            client = Client(port=self.port, socket_timeout=1, socket_connect_timeout=1)
            try:
                return bool(client.ping())
            finally:
                client.close()
        except Exception:  # noqa: BLE001
            return False

    def kill9(self) -> int:
        assert self.process is not None
        pid = self.process.pid
        self.process.kill()
        self.process.wait(timeout=10)
        return pid

    def wipe(self) -> None:
        """Everything Redis kept on disk goes: the server starts again empty."""
        for path in self.dir.iterdir():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


# ---------------------------------------------------------------- the SMTP sink


LINK = re.compile(r"https?://[^\s<>\"']+")


@dataclass
class Mail:
    number: int
    at: float  # time.time() when the sink accepted it
    to: str
    envelope_to: list[str]
    subject: str
    message_id: str
    links: list[str]
    bulk: bool
    kind: str = "other"
    goal: int | None = None
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)


class Sink:
    """An SMTP server (aiosmtpd) that keeps every message (To, Subject, Message-ID, the links of its
    text part) and can refuse every RCPT and DATA with 451 until a moment (`refuse_for`)."""

    def __init__(self, classify: Callable[[Mail], None]):
        self.port = free_port()
        self.mails: list[Mail] = []
        self.by_to: dict[str, list[Mail]] = {}  # each person's mailbox
        self.refused = 0
        self.refuse_until = 0.0
        self.classify = classify
        self.changed = threading.Condition()
        self.controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
                if time.monotonic() < sink.refuse_until:
                    sink.refused += 1
                    return "451 4.3.0 Try again later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if time.monotonic() < sink.refuse_until:
                    sink.refused += 1
                    return "451 4.3.0 Try again later"
                sink.keep(envelope.rcpt_tos, envelope.original_content or envelope.content)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def refuse_for(self, seconds: float) -> None:
        self.refuse_until = time.monotonic() + seconds

    def keep(self, rcpt_tos: list[str], raw: bytes) -> None:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        with self.changed:
            mail = Mail(
                number=len(self.mails) + 1, at=time.time(), to=str(message["To"] or "").strip().lower(),
                envelope_to=[a.lower() for a in rcpt_tos], subject=" ".join(str(message["Subject"] or "").split()),
                message_id=str(message["Message-ID"] or ""), links=LINK.findall(text),
                bulk=message["List-Unsubscribe"] is not None,
            )
            self.classify(mail)
            self.mails.append(mail)
            self.by_to.setdefault(mail.to, []).append(mail)
            self.changed.notify_all()

    def wait(self, predicate: Callable[[], Any], deadline: float) -> Any:
        """Wait (until time.monotonic() reaches `deadline`) for `predicate()`, checked as each mail arrives."""
        with self.changed:
            while True:
                found = predicate()
                if found or time.monotonic() >= deadline:
                    return found
                self.changed.wait(timeout=min(1.0, max(0.0, deadline - time.monotonic())))

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()


# ---------------------------------------------------------------- supervised processes


class Service:
    """A process started in its own session (so its process group holds everything it started) and,
    when `supervised`, started again RESTART_SECONDS after it died."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path, ready: Callable[[], bool] | None = None,
                 leftover_grace: float = 5.0):
        self.name, self.command, self.env, self.log_path, self.ready = name, command, env, log_path, ready
        # How long what is left of the process group gets after the main process died, before SIGKILL:
        # 0 for gunicorn (KillMode=mixed in deploy/petitions-web.service: SIGKILL to the rest at once).
        self.leftover_grace = leftover_grace
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.lock = threading.Lock()

    def start(self, wait: bool = True) -> None:
        with open(self.log_path, "a") as out:
            out.write(f"\n===== start {self.starts + 1} at {time.strftime('%H:%M:%S')} =====\n")
            out.flush()
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        self.starts += 1
        if wait and self.ready is not None:
            process = self.process

            def up() -> bool:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {process.returncode}; see {self.log_path.name}:\n"
                                       + self.log_path.read_text()[-3000:])
                return self.ready() if self.ready else True

            wait_until(up, 90, f"{self.name} to be ready")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def dead(self) -> bool:
        return self.process is None or self.process.poll() is not None

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process.pid, grace=10)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


class Supervisor(threading.Thread):
    """systemd's Restart=always for gunicorn and the workers: a service whose main process died has its
    process group stopped (what systemd does with the rest of the unit's cgroup) and is started again
    RESTART_SECONDS later. Each restart is logged through `note`."""

    def __init__(self, services: list[Service], note: Callable[[str], None]):
        super().__init__(daemon=True, name="supervisor")
        self.services, self.note = services, note
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.2):
            for service in self.services:
                with service.lock:
                    if self.stopping.is_set() or not service.dead():
                        continue
                    assert service.process is not None
                    code = service.process.returncode
                    stop_group(service.process.pid, grace=service.leftover_grace)
                    time.sleep(RESTART_SECONDS)
                    if self.stopping.is_set():
                        continue
                    try:
                        service.start(wait=False)
                        self.note(f"supervisor: {service.name} had exited ({code}); started again, pid {service.pid}")
                    except Exception as exc:  # noqa: BLE001
                        self.note(f"supervisor: {service.name} could not start again: {exc}")

    def stop(self) -> None:
        self.stopping.set()


# ---------------------------------------------------------------- the whole stack


class Stack:
    def __init__(self, aof: bool, classify: Callable[[Mail], None], note: Callable[[str], None], goals: list[int]):
        self.folder = Path(tempfile.mkdtemp(prefix="petitions-soak-"))
        os.chmod(self.folder, 0o755)  # the postgres user must reach its folder inside
        self.aof, self.note, self.goals = aof, note, goals
        self.postgres: Postgres | None = None
        self.redis: Redis | None = None
        self.sink = Sink(classify)
        self.gunicorn: Service | None = None
        self.workers: list[Service] = []
        self.nginx: Service | None = None
        self.supervisor: Supervisor | None = None
        self.closed = threading.Event()
        self.nginx_port = free_port()
        self.gunicorn_port = free_port()
        self.secret_key = secrets.token_urlsafe(48)
        self.stories_key = secrets.token_urlsafe(32)

    def env(self, **extra: str) -> dict[str, str]:
        assert self.postgres is not None and self.redis is not None
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("MAIL_", "DATABASE_", "REDIS_", "GUNICORN_", "PERIODIC_", "FLASK_", "PROMETHEUS_"))}
        env.update(
            APP_ENV="production",
            SECRET_KEY=self.secret_key,
            STORIES_KEY=self.stories_key,
            DATABASE_URL=self.postgres.url,
            REDIS_URL=self.redis.url,
            QUEUE_PREFIX="",
            BASE_URL=f"http://127.0.0.1:{self.nginx_port}",
            PROXY_COUNT="1",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(self.sink.port),
            EMAIL_CHECK_DELIVERABILITY="false",
            # The outbox is handed over every 5 s (rows older than 10 s); unfinished milestone
            # announcements are looked at every 30 s; the hourly count repair is held off, so that the
            # counts checked at the end are the live transactions' own, not repaired ones.
            PERIODIC_INTERVALS="outbox=5,announcements=30,recount=86400",
            OUTBOX_HANDOVER_AFTER="10",
            FANOUT_BATCH_SIZE="50",  # more batches, more of them for the kills to hit
            FANOUT_LOCK_SECONDS="30",  # a batch of a killed worker may be taken over within the settling time
            SIGN_RATE_LIMIT="100000 per hour",
            LINK_RATE_LIMIT="100000 per hour",
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def flask(self, *args: str) -> str:
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=self.env(), capture_output=True,
                                text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.postgres = Postgres(self.folder)
        self.postgres.start()
        self.redis = Redis(self.folder, self.aof, self.closed)
        self.redis.start()
        self.sink.start()
        self.flask("db", "upgrade")
        self.flask("demo")
        campaign = (ROOT / "examples" / "safe-leiden.yaml").read_text()
        campaign, replaced = re.subn(r"^goals: \[[^\]]*\]", f"goals: [{', '.join(str(g) for g in self.goals)}]", campaign, flags=re.M)
        if replaced != 1:
            raise RuntimeError("examples/safe-leiden.yaml no longer has one `goals: [...]` line")
        (self.folder / "soak-campaign.yaml").write_text(campaign)
        self.flask("campaign", "import", str(self.folder / "soak-campaign.yaml"))

        metrics = self.folder / "prometheus"
        metrics.mkdir()
        gunicorn_env = self.env(GUNICORN_BIND=f"127.0.0.1:{self.gunicorn_port}", GUNICORN_WORKERS="2",
                                PROMETHEUS_MULTIPROC_DIR=str(metrics))
        self.gunicorn = Service("gunicorn", [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"],
                                gunicorn_env, self.folder / "gunicorn.log", ready=lambda: port_open(self.gunicorn_port), leftover_grace=0)
        self.gunicorn.start()
        for n in (1, 2):
            worker = Service(f"worker{n}", [str(BIN / "flask"), "--app", "wsgi", "worker"], self.env(), self.folder / f"worker{n}.log")
            worker.start()
            self.workers.append(worker)
        nginx = NGINX if os.path.exists(NGINX) else shutil.which("nginx")
        if not nginx:
            raise RuntimeError("nginx not found (apt-get install nginx-light)")
        # deploy/nginx.conf through the one renderer the benchmark and the deploy tests use
        config = render_config(self.folder, self.nginx_port, [self.gunicorn_port], workers=2)
        check = subprocess.run([nginx, "-t", "-p", str(self.folder), "-c", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t: {check.stderr}")
        self.nginx = Service("nginx", [nginx, "-p", str(self.folder), "-c", str(config)], os.environ.copy(),
                             self.folder / "nginx.out", ready=lambda: port_open(self.nginx_port))
        self.nginx.start()
        self.supervisor = Supervisor([self.gunicorn, *self.workers], self.note)
        self.supervisor.start()

    def close(self) -> None:
        """Stop everything (all services at once: SIGTERM, SIGKILL after 10 s) and delete the folder.
        Safe to call twice."""
        self.closed.set()
        if self.supervisor is not None:
            self.supervisor.stop()
            self.supervisor.join(timeout=15)
        services = [s for s in (self.nginx, self.gunicorn, *self.workers) if s is not None and s.process is not None]
        for service in services:
            assert service.process is not None
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(s.process is not None and group_alive(s.process.pid) for s in services):
            time.sleep(0.1)
        for service in services:
            assert service.process is not None
            try:
                os.killpg(service.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                service.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for stop in (self.sink.stop, self.redis.stop if self.redis else None, self.postgres.stop if self.postgres else None):
            if stop is not None:
                try:
                    stop()
                except Exception:  # noqa: BLE001
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def logs(self) -> dict[str, Path]:
        found = {p.name: p for p in self.folder.glob("*.log")}
        found["nginx-error.log"] = self.folder / "nginx-error.log"
        if self.postgres is not None:
            found["postgres.log"] = self.postgres.log_path()
        return {k: v for k, v in found.items() if v.exists()}
