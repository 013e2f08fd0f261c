"""The campaign page through nginx (deploy/nginx.conf, its short proxy_cache) against nginx serving a
static file, in the same run (issue 12: target ratio >= 0.5). `python bench/run.py --only nginx`.

nginx runs in the foreground with deploy/nginx.conf rendered into the run's temporary folder (its own
port, cache and paths; one nginx worker process), in front of the benchmark's gunicorn. wrk measures
both, in alternating rounds (page static, static page, ...) so that whatever else runs on the machine
falls on both alike; each round gives its own ratio and their spread is printed.

Why wrk and not bench/loadgen.py here: at nginx's rates the Python client is the bottleneck (one
process with keep-alive manages a fraction of what nginx serves), so both sides would measure the
client and the ratio would come out near 1 whatever nginx does. `make bench` installs Debian's wrk
(bench/prepare.sh); without it this figure is still measured, with two loadgen processes, and says that
it is client-bound: an upper bound on the ratio, not the figure. Afterwards the count's age is checked: a signature counted
in the database shows on the page through nginx within PUBLIC_CACHE_SECONDS (+1: nginx counts whole
seconds)."""
import http.client
import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import ROOT, free_port, round_ratios, spread_text, stop_process, wrk_get

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
STATIC = "/static/style.css"


def render_config(folder, listen_port, upstream_ports, workers=1, backlog=None):
    """deploy/nginx.conf as it is, with a run's own ports, cache folder and checkout, inside a main
    configuration of its own (nginx runs in the foreground, unprivileged where possible). The one
    renderer of the recipe: the benchmark and the tests (tests/deploy_stack.py) both use it, so that
    they run the very file an operator installs. Returns the main configuration's path."""
    folder = Path(folder)
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    servers = "\n    ".join(f"server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;" for port in upstream_ports)
    listen = f"    listen 127.0.0.1:{listen_port}{f' backlog={backlog}' if backlog else ''};\n"
    for old, new in (
        ("/var/cache/nginx/petitions", str(folder / "nginx-cache")),
        ("/var/log/nginx/petitions-error.log", str(folder / "nginx-site-error.log")),
        ("server 127.0.0.1:8000 max_fails=3 fail_timeout=5s;", servers),
        ("    listen 80;\n    listen [::]:80;\n", listen),
    ):
        if site.count(old) != 1:
            raise RuntimeError(f"deploy/nginx.conf no longer has exactly one {old!r}")
        site = site.replace(old, new)
    # The checkout: the static folder and the pages nginx shows when the app cannot answer.
    if "alias /srv/petitions/static/;" not in site:
        raise RuntimeError("deploy/nginx.conf no longer serves /srv/petitions/static/")
    site = site.replace("/srv/petitions/", f"{ROOT}/")
    (folder / "nginx-site.conf").write_text(site)
    temps = "\n".join(f"    {name}_temp_path {folder / ('nginx-' + name)};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = folder / "nginx-main.conf"
    main.write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temps}
    include {folder / "nginx-site.conf"};
}}
""")
    return main


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("X-Cache-Status"), response.read()
    finally:
        conn.close()


def wrk_at(b, port, path, connections, seconds):
    """wrk_get against another port (nginx's), with the same accounting."""
    saved = b.port
    b.port = port
    try:
        return wrk_get(b, path, connections, max(1, round(seconds)))
    finally:
        b.port = saved


def loadgen_at(b, port, path, connections, seconds):
    """The fallback without wrk: two bench/loadgen.py processes with keep-alive, shaped like wrk_get's result."""
    r = b.load("get", {"connections": connections, "duration": seconds}, processes=2, port=port, path=path)
    bad = r["errors"] + r["completed"] - r["ok"]
    return {"requests": r["completed"], "bad": bad, "rate": r["rate"], "cpu_line": r["cpu_line"],
            "client_cpu": r["client_cpu"]}


def bench_nginx(b, size, page, slug, result, verdict, fmt):
    nginx = NGINX if os.path.exists(NGINX) else shutil.which("nginx")
    if not nginx:
        raise RuntimeError("needs nginx (make bench installs nginx-light: bench/prepare.sh)")
    client, measure = ("wrk", wrk_at) if shutil.which("wrk") else ("bench/loadgen.py x 2 (wrk not installed)", loadgen_at)
    b.start_server()
    port = free_port()
    config = render_config(b.tmp, port, [b.port], workers=1, backlog=4096)
    check = subprocess.run([nginx, "-t", "-p", str(b.tmp), "-c", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(check.stderr)
    proc = subprocess.Popen([nginx, "-p", str(b.tmp), "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if get(port, STATIC)[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx did not answer within 10 s")
                time.sleep(0.1)
        statuses = [get(port, page)[1] for _ in range(3)]
        conns = size["connections"] * 4
        slices = {"page": [], "static": []}
        for name, path in (("page", page), ("static", STATIC)):  # warm up
            measure(b, port, path, conns, 1)
        for number in range(size["rounds"]):
            order = (("page", page), ("static", STATIC))
            for name, path in (order if number % 2 == 0 else order[::-1]):
                w = measure(b, port, path, conns, size["duration"] / size["rounds"])
                slices[name].append(w)
        rate = {name: sum(w["requests"] - w["bad"] for w in ws) / sum(w["requests"] / w["rate"] for w in ws)
                for name, ws in slices.items()}
        bad = {name: sum(w["bad"] for w in ws) for name, ws in slices.items()}
        ratio = rate["page"] / rate["static"] if rate["static"] else 0.0
        rounds = round_ratios(*({"slice_rates": [(w["requests"] - w["bad"]) / (w["requests"] / w["rate"]) if w["rate"] else 0.0
                                                  for w in slices[name]]} for name in ("page", "static")))
        bound = "" if client == "wrk" else " (client-bound: an upper bound on the ratio, not the figure; install wrk)"

        # The count's age: one more confirmed signature in the database, then the page through nginx.
        seconds = b.app.config.get("PUBLIC_CACHE_SECONDS", 5)
        before = b.scalar("SELECT confirmed_count FROM campaigns WHERE slug = %s", (slug,))
        b.sql("UPDATE campaigns SET confirmed_count = confirmed_count + 1000 WHERE slug = %s", (slug,))
        changed = time.monotonic()
        try:
            shown = f"{before + 1000:,}".replace(",", ".")  # the page in Dutch: no Accept-Language
            while shown not in get(port, page)[2].decode() and time.monotonic() - changed < seconds + 10:
                time.sleep(0.05)
            age = time.monotonic() - changed
        finally:
            b.sql("UPDATE campaigns SET confirmed_count = confirmed_count - 1000 WHERE slug = %s", (slug,))
        fresh = age <= seconds + 1
        ok = ratio >= 0.5 and not any(bad.values()) and fresh
        result(
            f"campaign page through nginx: {fmt(rate['page'])} req/s; nginx serving a static file {fmt(rate['static'])} req/s; "
            f"ratio {ratio:.2f}, {spread_text(rounds)} (target >= 0.5) {verdict(ok)}{bound}",
            f"{client}, {conns} connections, {size['rounds']} alternating slices of {size['duration'] / size['rounds']:.1f} s each; "
            f"1 nginx worker process, deploy/nginx.conf, gunicorn behind it as in the other benchmarks",
            f"page slices {'/'.join(fmt(w['rate']) for w in slices['page'])} req/s, {bad['page']} errors; "
            f"{slices['page'][-1]['cpu_line']}",
            f"static ({STATIC}) slices {'/'.join(fmt(w['rate']) for w in slices['static'])} req/s, {bad['static']} errors; "
            f"{slices['static'][-1]['cpu_line']}",
            f"X-Cache-Status of three requests in a row: {', '.join(str(s) for s in statuses)}",
            f"count's age: a change in the database showed through nginx after {age:.1f} s "
            f"(PUBLIC_CACHE_SECONDS={seconds}; at most {seconds + 1} s allowed) {verdict(fresh)}",
        )
    finally:
        stop_process(proc)
