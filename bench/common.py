"""Shared parts of the benchmarks: a database and queue prefix of their own, the gunicorn server, the load
client, CPU accounting per process group, and cleaning up afterwards (see bench/run.py).

Everything runs on this machine and talks to 127.0.0.1 only; every wait is bounded.
"""
import http.client
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# gunicorn: 2 workers (the machine has 2 cores). Sync workers measured faster than gthread here; see
# docs/performance.md ("Server") and `python bench/run.py --only workers`.
WORKERS = 2
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "sync")
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- CPU accounting from /proc


def _proc_table():
    """pid -> (ppid, cpu seconds, cmdline) for every process we may read."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()
        table[int(name)] = (int(rest[1]), (int(rest[11]) + int(rest[12])) / CLK_TCK, cmdline)
    return table


def _machine_jiffies():
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU seconds used by groups of processes between start() and stop(): `roots` maps a group name to a
    function returning pids (each with its descendants); `pg_db` adds a group for the PostgreSQL backends
    serving that database. `machine` is everything on the machine, so `others` shows load we did not cause."""

    def __init__(self, roots, pg_db=None):
        self.roots, self.pg_db = roots, pg_db

    def _sample(self):
        table = _proc_table()
        children = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        groups = {}
        for group, pids_fn in self.roots.items():
            seen, stack = set(), list(pids_fn())
            while stack:
                pid = stack.pop()
                if pid in seen or pid not in table:
                    continue
                seen.add(pid)
                stack.extend(children.get(pid, []))
            groups[group] = {pid: table[pid][1] for pid in seen}
        if self.pg_db:
            groups["postgres"] = {
                pid: cpu for pid, (_, cpu, cmd) in table.items() if cmd.startswith("postgres:") and any(word.startswith(self.pg_db) for word in cmd.split())
            }
        return groups, _machine_jiffies()

    def start(self):
        self.before = self._sample()
        self.t0 = time.perf_counter()

    def stop(self):
        after = self.after = self._sample()
        self.wall = time.perf_counter() - self.t0
        used = {}
        for group, pids in after[0].items():
            old = self.before[0].get(group, {})
            # a process that started inside the window counts from zero
            used[group] = sum(cpu - old.get(pid, 0.0) for pid, cpu in pids.items())
        busy = after[1][0] - self.before[1][0]
        used["machine"] = busy
        self.used = used
        return used


def cpu_summary(used, seconds, client_cpu=None):
    """'client 0.08, app 1.61, postgres 0.21 cores; machine 1.93 of 2 (others 0.03)'."""
    parts = []
    mine = 0.0
    if client_cpu is not None:
        parts.append(f"client {client_cpu / seconds:.2f}")
        mine += client_cpu
    for group, cpu in used.items():
        if group == "machine":
            continue
        parts.append(f"{group} {cpu / seconds:.2f}")
        mine += cpu
    machine = used.get("machine", 0.0) / seconds
    others = max(0.0, machine - mine / seconds)
    return f"cpu (cores): {', '.join(parts)}; machine busy {machine:.2f} of {os.cpu_count()} (others {others:.2f})"


# ---------------------------------------------------------------- the benchmark run's own services


class Bench:
    """One benchmark run: its own PostgreSQL database, Redis queue prefix, secret key, port and temp folder."""

    def __init__(self, quick=False):
        self.quick = quick
        self.run_id = secrets.token_hex(4)
        self.db_name = f"petition_bench_{self.run_id}"
        self.queue_prefix = f"bench-{self.run_id}-"
        self.secret_key = secrets.token_urlsafe(32)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"petition-bench-{self.run_id}-"))
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.db_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + self.db_name
        self.server = None
        self.server_key = None
        self.processes = []
        self.app = None
        self.cache = {}
        self.databases = []

    # ------------------------------------------------------------ environment and commands

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "DATABASE_", "REDIS_", "QUEUE_", "BENCH_"))}
        env.update(
            DATABASE_URL=self.db_url,
            SECRET_KEY=self.secret_key,
            RATELIMIT_ENABLED="false",
            BASE_URL=self.base_url,
            QUEUE_PREFIX=self.queue_prefix,
            REDIS_URL=REDIS_URL,
            EMAIL_CHECK_DELIVERABILITY="false",  # no DNS look-ups: there is no network
            BENCH_INSTANCE_PATH=str(self.tmp / "instance"),
            PYTHONUNBUFFERED="1",
        )
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def flask(self, *args, timeout=120, env=None):
        result = subprocess.run(
            [PY, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env or self.env(),
            capture_output=True, text=True, timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def admin(self):
        import psycopg

        return psycopg.connect(ADMIN_URL, autocommit=True)

    def sql(self, statement, params=None, fetch=False, db_url=None):
        """Run one statement in the benchmark database (autocommit)."""
        import psycopg

        with psycopg.connect(db_url or self.db_url, autocommit=True) as conn:
            cur = conn.execute(statement, params)
            return cur.fetchall() if fetch else cur.rowcount

    def scalar(self, statement, params=None, db_url=None):
        return self.sql(statement, params, fetch=True, db_url=db_url)[0][0]

    def create_database(self, name):
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def setup(self):
        """Create the database, migrate it, load the demo campaign and build an app for this process."""
        self.create_database(self.db_name)
        self.flask("db", "upgrade")
        self.flask("demo")
        from bench.baselines import CREATE_WRITE_TABLE

        self.sql(CREATE_WRITE_TABLE)
        from petition_app import create_app
        from petition_app.config import Config

        self.app = create_app(
            Config, instance_path=str(self.tmp / "instance-runner"), SQLALCHEMY_DATABASE_URI=self.db_url,
            SECRET_KEY=self.secret_key, REDIS_URL=REDIS_URL, QUEUE_PREFIX=self.queue_prefix, BASE_URL=self.base_url,
            RATELIMIT_ENABLED=False, MAIL_SERVER=None, EMAIL_CHECK_DELIVERABILITY=False,
        )
        # errors of in-process requests are counted and reported, not printed as tracebacks
        logging.getLogger(self.app.name).setLevel(logging.CRITICAL)

    def second_site(self, suffix):
        """Another database (migrated, with the demo campaign) and a gunicorn serving it on another port,
        to compare two states side by side; stopped and dropped at the end like the first. Returns
        {url, port, proc, env}."""
        name = f"{self.db_name}_{suffix}"
        url = self.create_database(name)
        port = free_port()
        env = self.env(DATABASE_URL=url, BASE_URL=f"http://127.0.0.1:{port}")
        self.flask("db", "upgrade", env=env)
        self.flask("demo", env=env)
        proc = self.start_gunicorn(port, env)
        self.processes.append(proc)
        return {"url": url, "port": port, "proc": proc, "env": env}

    def campaign_id(self, slug, db_url=None):
        return self.scalar("SELECT id FROM campaigns WHERE slug = %s", (slug,), db_url=db_url)

    def import_campaign(self, slug, site=None, **changes):
        """A copy of the example campaign under another slug (through `flask campaign import`)."""
        import yaml

        data = yaml.safe_load((ROOT / "examples" / "safe-leiden.yaml").read_text(encoding="utf-8"))
        data.update(slug=slug, **changes)
        path = self.tmp / f"{slug}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        self.flask("campaign", "import", str(path), env=site["env"] if site else None)
        return self.campaign_id(slug, db_url=site["url"] if site else None)

    def insert_signatures(self, campaign_id, count, email_prefix, confirmed, wants_updates=True, start=0, db_url=None):
        """`count` signatures in one INSERT ... SELECT generate_series; returns the number inserted."""
        confirmed_at = "now() - interval '1 hour'" if confirmed else "NULL"
        return self.sql(
            f"""
            INSERT INTO signatures (campaign_id, name, email, email_key, city, locale, wants_updates, is_public, ip_hash,
                                    created_at, confirmed_at, mails_requested, mails_sent, suspect_reason, secret, leaf_secret)
            SELECT %(c)s, 'Signer ' || g, %(p)s::text || g || '@example.org', %(p)s::text || g || '@example.org',
                   CASE WHEN g %% 3 = 0 THEN 'Leiden' END,
                   CASE WHEN g %% 4 = 0 THEN 'en' ELSE 'nl' END, %(u)s, g %% 2 = 0, NULL,
                   now() - interval '2 hours', {confirmed_at}, 1, 1, NULL, md5(random()::text || g),
                   md5(random()::text || g) || md5(g::text || random()::text)
            FROM generate_series(%(a)s::int, %(b)s::int) AS g
            """,
            {"c": campaign_id, "p": email_prefix, "u": wants_updates, "a": start + 1, "b": start + count},
            db_url=db_url,
        )

    # ------------------------------------------------------------ gunicorn

    def start_server(self, worker_class=WORKER_CLASS, threads=THREADS):
        """The benchmark server on self.port (restarted only when its settings change)."""
        key = (worker_class, threads)
        if self.server is not None and self.server_key == key and self.server.poll() is None:
            return self.server
        self.stop_server()
        env = self.env()
        if worker_class == "gthread" and threads > 5:
            env["BENCH_POOL_SIZE"] = str(threads)
        self.server = self.start_gunicorn(self.port, env, worker_class, threads)
        self.server_key = key
        return self.server

    def start_gunicorn(self, port, env, worker_class=WORKER_CLASS, threads=THREADS):
        log_path = self.tmp / f"gunicorn-{port}.log"
        cmd = [PY, "-m", "gunicorn", "--workers", str(WORKERS), "--worker-class", worker_class,
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--error-logfile", str(log_path), "--chdir", str(ROOT)]
        if worker_class == "gthread":
            cmd += ["--threads", str(threads)]
        cmd.append("bench.wsgi_bench:app")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
            try:
                if self.http_get("/_bench/ok", port=port)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            stop_process(proc)
            raise RuntimeError("gunicorn did not answer within 30 s")
        # both workers: import, connect, compile the templates before anything is measured
        for _ in range(20):
            self.http_get("/campaigns/safe-leiden", port=port)
        return proc

    def stop_server(self):
        if self.server is not None:
            stop_process(self.server)
            self.server = None
            self.server_key = None

    def server_pids(self):
        return [self.server.pid] if self.server is not None else []

    def http_get(self, path, timeout=10, port=None):
        conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    # ------------------------------------------------------------ the load client

    def load(self, kind, phase, processes=1, meter_roots=None, port=None, **spec):
        """Run one phase of load from `processes` client processes (each its own share of the connections
        and of the request numbers) and merge their results. CPU of the server groups is measured over
        the phase and returned in result['cpu'] (seconds per group) with the client's own CPU."""
        specs = []
        base = spec.pop("index_start", 0)
        for n in range(processes):
            share = dict(phase)
            share["connections"] = max(1, phase["connections"] // processes + (n < phase["connections"] % processes))
            if "requests" in phase:
                share["requests"] = phase["requests"] // processes + (n < phase["requests"] % processes)
            s = {"host": "127.0.0.1", "port": port or self.port, "kind": kind, "phases": [share],
                 "index_start": base + n, "index_step": processes, **spec}
            path = self.tmp / f"load-{secrets.token_hex(4)}.json"
            path.write_text(json.dumps(s))
            specs.append({**s, "_path": str(path)})
        meter = CpuMeter(meter_roots if meter_roots is not None else {"app": self.server_pids}, pg_db=self.db_name)
        meter.start()
        procs = [subprocess.Popen([PY, str(ROOT / "bench" / "loadgen.py"), s["_path"]], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for s in specs]
        outputs = []
        limit = phase.get("duration", 60) + phase.get("drain", 30) + 60
        for proc in procs:
            out, err = proc.communicate(timeout=limit)
            if proc.returncode != 0:
                raise RuntimeError(f"load client failed: {err[-2000:]}")
            outputs.append(json.loads(out)["phases"][0])
        used = meter.stop()
        return merge_results(outputs, used)

    def interleave(self, loads, rounds, duration):
        """Run several loads in turn, `rounds` slices of duration/rounds seconds each (A B C A B C ...), so
        that whatever else happens on the machine falls on all of them alike; returns {name: result} with
        the slices added up. `loads` maps a name to (kind, phase, spec); request numbers (unique emails,
        tokens) go on from slice to slice. Each result also keeps its slices' rates in order ("slice_rates"),
        so that a figure can give its ratio round by round (round_ratios, spread_text)."""
        parts = {name: [] for name in loads}
        next_index = {name: spec.get("index_start", 0) for name, (_, _, spec) in loads.items()}
        for number in range(rounds):
            # A B C, C B A, A B C ...: a drift in the machine's load (others starting or stopping) falls on
            # every load alike, not always on the one measured last
            for name, (kind, phase, spec) in (list(loads.items()) if number % 2 == 0 else list(loads.items())[::-1]):
                if kind == "wrk":
                    r = wrk_slice(self, spec["path"], phase["connections"], duration / rounds)
                    if r is None:
                        continue
                    parts[name].append(r)
                    continue
                r = self.load(kind, {**phase, "duration": duration / rounds},
                              **{**spec, "index_start": next_index[name], "raw_latencies": True})
                next_index[name] += r["issued"]
                parts[name].append(r)
        return {name: combine_slices(results) for name, results in parts.items() if results}

    # ------------------------------------------------------------ Redis

    def redis(self):
        from redis import Redis

        return Redis.from_url(REDIS_URL)

    def queue_length(self, name):
        return self.redis().llen(f"rq:queue:{self.queue_prefix}{name}")

    def clean_redis(self):
        """Delete this run's queues, registries and the jobs in them; nothing without our prefix."""
        r = self.redis()
        keys = [k for k in r.scan_iter(match=f"rq:*{self.queue_prefix}*", count=1000)]
        job_ids = set()
        for key in keys:
            kind = r.type(key)
            if kind == b"list":
                job_ids.update(r.lrange(key, 0, -1))
            elif kind == b"zset":
                job_ids.update(m.split(b":", 1)[0] for m in r.zrange(key, 0, -1))
        job_keys = []
        for job_id in job_ids:
            jid = job_id.decode()
            job_keys += [f"rq:job:{jid}", f"rq:results:{jid}", f"rq:executions:{jid}", f"rq:job:{jid}:dependents"]
        all_keys = keys + job_keys
        for i in range(0, len(all_keys), 1000):
            r.delete(*all_keys[i:i + 1000])
        queue_keys = [k for k in r.smembers("rq:queues") if self.queue_prefix.encode() in k]
        if queue_keys:
            r.srem("rq:queues", *queue_keys)
        r.close()
        return len(keys), len(job_ids)

    # ------------------------------------------------------------ the end

    def start_process(self, cmd, log_name, env=None, **kwargs):
        log_file = open(self.tmp / log_name, "w")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env or self.env(), stdout=log_file, stderr=subprocess.STDOUT, **kwargs)
        proc.log_path = self.tmp / log_name
        self.processes.append(proc)
        return proc

    def cleanup(self):
        self.stop_server()
        for proc in self.processes:
            stop_process(proc)
        if self.app is not None:
            from petition_app.extensions import db

            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
        try:
            self.clean_redis()
        except Exception as exc:  # noqa: BLE001
            log(f"warning: Redis cleanup failed: {exc}")
        for name in self.databases:
            try:
                with self.admin() as conn:
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (name,),
                    )
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            except Exception as exc:  # noqa: BLE001
                log(f"warning: could not drop database {name}: {exc}")
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop_process(proc, timeout=15):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def merge_results(outputs, used):
    merged = {
        "issued": sum(o["issued"] for o in outputs),
        "completed": sum(o["completed"] for o in outputs),
        "ok": sum(o["ok"] for o in outputs),
        "errors": sum(o["errors"] for o in outputs),
        "statuses": {},
        "samples": [s for o in outputs for s in o["samples"]][:8],
        "elapsed": max(o["elapsed"] for o in outputs),
        "client_cpu": sum(o["cpu_seconds"] for o in outputs),
        "latency_by_label": outputs[0]["latency_by_label"],
        "latencies": sorted(x for o in outputs for x in (o.get("latencies") or [])),
        "latency": outputs[0]["latency"] if len(outputs) == 1 else max((o["latency"] for o in outputs), key=lambda l: l["p95"] or 0),
        "exhausted": any(o["exhausted"] for o in outputs),
        "connections": sum(o["connections"] for o in outputs),
        "cpu": used,
    }
    for o in outputs:
        for code, n in o["statuses"].items():
            merged["statuses"][code] = merged["statuses"].get(code, 0) + n
    merged["rate"] = merged["completed"] / merged["elapsed"] if merged["elapsed"] else 0.0
    merged["ok_rate"] = merged["ok"] / merged["elapsed"] if merged["elapsed"] else 0.0
    merged["cpu_line"] = cpu_summary(used, merged["elapsed"], merged["client_cpu"])
    return merged


def combine_slices(results):
    """Several runs of one load, one after the other, as one result (rates over the summed elapsed time)."""
    total = {k: sum(r[k] for r in results) for k in ("issued", "completed", "ok", "errors", "elapsed", "client_cpu")}
    total["statuses"] = {}
    for r in results:
        for code, n in r["statuses"].items():
            total["statuses"][code] = total["statuses"].get(code, 0) + n
    total["samples"] = [s for r in results for s in r["samples"]][:8]
    total["exhausted"] = any(r["exhausted"] for r in results)
    total["connections"] = results[0]["connections"]
    cpu = {}
    for r in results:
        for group, seconds in r["cpu"].items():
            cpu[group] = cpu.get(group, 0.0) + seconds
    total["cpu"] = cpu
    latencies = sorted(x for r in results for x in r["latencies"])
    total["latencies"] = latencies
    total["latency"] = latency_summary(latencies)
    total["rate"] = total["completed"] / total["elapsed"] if total["elapsed"] else 0.0
    total["ok_rate"] = total["ok"] / total["elapsed"] if total["elapsed"] else 0.0
    total["cpu_line"] = cpu_summary(cpu, total["elapsed"], total["client_cpu"])
    total["slices"] = [round(r["ok_rate"]) for r in results]
    total["slice_rates"] = [r["ok_rate"] for r in results]
    return total


# ---------------------------------------------------------------- rounds and their spread


MIN_ROUNDS = 3  # every figure: at least three alternating rounds of its subject and its baseline


def round_ratios(subject, baseline):
    """The ratio of each round: the subject's slice over the baseline's slice of the same round."""
    return [ratio_of(a, b) for a, b in zip(subject["slice_rates"], baseline["slice_rates"])]


def spread_text(ratios, digits=2):
    """'spread 0.84-0.91 over 4 rounds': the lowest and highest ratio of single rounds. The ratio of the
    sums, the figure itself, lies between them; a second run on the same machine should land inside."""
    if not ratios:
        return "spread: no rounds"
    return f"spread {min(ratios):.{digits}f}-{max(ratios):.{digits}f} over {len(ratios)} rounds"


def load_text():
    """The machine's load average (1, 5, 15 min): other agents' work shares these cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def latency_summary(latencies):
    def q(p):
        return latencies[min(len(latencies) - 1, int(round(p * (len(latencies) - 1))))] if latencies else None

    return {"count": len(latencies), "p50": q(0.5), "p95": q(0.95), "p99": q(0.99),
            "max": latencies[-1] if latencies else None}


def verdict(ok):
    return "OK" if ok else "BELOW TARGET"


def fmt(value, digits=0):
    return f"{value:,.{digits}f}"


# ---------------------------------------------------------------- wrk, as a cross-check of the ceiling


def wrk_get(b, path, connections, duration, threads=1):
    """Requests/s of `wrk` on a GET, with wrk's own CPU time (None when wrk is not installed). wrk stops on
    a timer and does not count requests still in flight, which is fine for a GET."""
    wrk = shutil.which("wrk")
    if not wrk:
        return None
    meter = CpuMeter({"app": b.server_pids}, pg_db=b.db_name)
    meter.start()
    out_path = b.tmp / f"wrk-{secrets.token_hex(4)}.txt"
    with open(out_path, "w") as out:
        proc = subprocess.Popen([wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                                 f"http://127.0.0.1:{b.port}{path}"], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + duration + 30
        rusage = None
        while time.monotonic() < deadline:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                rusage, proc.returncode = ru, os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.05)
        else:
            proc.kill()
            proc.wait(timeout=5)
    used = meter.stop()
    text = out_path.read_text()
    rate = errors = None
    requests = bad = 0
    for line in text.splitlines():
        if line.startswith("Requests/sec:"):
            rate = float(line.split()[1])
        if "requests in" in line:
            requests = int(line.split()[0])
        if "Non-2xx" in line or "Socket errors" in line:
            errors = line.strip()
            bad += sum(int(n) for n in re.findall(r"\d+", line.split(":", 1)[1]))
    client_cpu = (rusage.ru_utime + rusage.ru_stime) if rusage else None
    return {"rate": rate, "errors": errors, "output": text, "cpu": used, "wall": meter.wall, "client_cpu": client_cpu,
            "cpu_line": cpu_summary(used, duration, client_cpu), "requests": requests, "bad": bad}


def wrk_slice(b, path, connections, seconds):
    """One wrk run shaped like a load client result, for Bench.interleave (None without wrk)."""
    seconds = max(1, round(seconds))
    w = wrk_get(b, path, connections, seconds)
    if not w or not w["rate"]:
        return None
    elapsed = w["requests"] / w["rate"]
    return {"issued": w["requests"], "completed": w["requests"], "ok": w["requests"] - w["bad"], "errors": w["bad"],
            "elapsed": elapsed, "client_cpu": w["client_cpu"] or 0.0, "statuses": {}, "samples": [w["errors"]] if w["errors"] else [],
            "exhausted": False, "connections": connections, "cpu": w["cpu"], "latencies": [],
            "ok_rate": (w["requests"] - w["bad"]) / elapsed}


# ---------------------------------------------------------------- in-process breakdown of one request


def statements_per_call(app, fn, n, expect=None):
    """Call fn(i) n times inside this process (Flask's test client, same database) and return
    (ms per call, SQL statements per call, ms in the database driver's execute per call, calls whose
    response was not 2xx, or not one of the `expect`ed statuses)."""
    from sqlalchemy import event

    from petition_app.extensions import db

    state = {"count": 0, "t": 0.0, "start": 0.0}

    def before(conn, cursor, statement, parameters, context, executemany):
        state["count"] += 1
        state["start"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        state["t"] += time.perf_counter() - state["start"]

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    bad = 0
    try:
        fn(0)  # warm
        state.update(count=0, t=0.0)
        t0 = time.perf_counter()
        for i in range(1, n + 1):
            response = fn(i)
            if response is not None:
                bad += response.status_code not in expect if expect else not 200 <= response.status_code < 300
        total = time.perf_counter() - t0
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return total / n * 1000, state["count"] / n, state["t"] / n * 1000, bad


def ratio_of(a, b):
    return a / b if b else 0.0
