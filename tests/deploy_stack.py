"""The production recipe as processes (tests/test_deploy.py, tests/test_two_hosts.py): gunicorn with
deploy/gunicorn.conf.py and APP_ENV=production, and Debian's nginx with deploy/nginx.conf rendered
into a temporary folder (free ports, paths of its own; bench/nginx.py's render_config, the one
renderer of the recipe), run in the foreground. Plus a small HTTP client
that can send from any loopback address (127.x.y.z), so that client addresses can be told apart."""
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from helpers import free_port, service_env, service_missing, wait_for
from petition_app.config import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # bench/ is a folder of the checkout, not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))
from bench.nginx import render_config  # noqa: E402

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
DEPLOY = PROJECT_ROOT / "deploy"


def require_nginx():
    if not Path(NGINX).exists() and shutil.which("nginx") is None:
        service_missing("nginx", f"{NGINX} not found (apt-get install nginx-light)")
    return NGINX if Path(NGINX).exists() else shutil.which("nginx")


def production_env(database_url, redis_url, queue_prefix, base_url, **extra):
    """The environment of a production gunicorn: everything APP_ENV=production requires."""
    return service_env(database_url, redis_url, queue_prefix, base_url, APP_ENV="production", PROXY_COUNT="1", **extra)


class Stack:
    """Processes started by one test, stopped (in reverse) at its end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes = []
        self.gunicorns = {}

    def start_gunicorn(self, env, workers=2, port=None):
        """gunicorn on a free port (or the given one: started again after kill_gunicorn)."""
        port = port or free_port()
        log = open(self.folder / f"gunicorn-{port}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(DEPLOY / "gunicorn.conf.py"), "wsgi:app"],
            cwd=PROJECT_ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)},
            stdout=log, stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        self.gunicorns[port] = process
        self._wait_for_port(process, port, log.name)
        return port

    def kill_gunicorn(self, port):
        """The gunicorn on this port dies at once, master and workers (SIGKILL: no goodbye, as when the
        machine runs out of memory); returns when nothing answers on the port any more."""
        master = self.gunicorns.pop(port)
        workers = children_of(master.pid)
        assert workers, "gunicorn has no worker processes"
        for pid in (master.pid, *workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        master.wait(timeout=15)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                return True
            return False

        wait_for(refused, timeout=15, what=f"nothing listening on port {port}")

    def start_nginx(self, upstream_ports):
        nginx = require_nginx()
        port = free_port()
        config = render_config(self.folder, port, upstream_ports, workers=2)
        check = subprocess.run([nginx, "-t", "-p", str(self.folder), "-c", str(config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        log = open(self.folder / "nginx.out", "w")
        process = subprocess.Popen([nginx, "-p", str(self.folder), "-c", str(config)], stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self._wait_for_port(process, port, str(self.folder / "nginx-error.log"))
        return port

    def _wait_for_port(self, process, port, log_path):
        def answers():
            if process.poll() is not None:
                raise AssertionError(f"exited with {process.returncode}:\n{Path(log_path).read_text()[-3000:]}")
            try:
                return Client(port).get("/robots.txt").status == 200
            except OSError:
                return False

        wait_for(answers, timeout=60, interval=0.2, what=f"a server on port {port}")

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


class Response:
    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()
        self.text = self.body.decode("utf-8", "replace")

    def header(self, name, default=None):
        return self.headers.get(name, default)


class Client:
    """HTTP/1.1 from a given loopback address, keeping the cookies it is given (name=value only)."""

    def __init__(self, port, source="127.0.0.1"):
        self.port = port
        self.source = source
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        """One request; a dict body goes as a form (urlencoded), bytes as they are. A server may answer
        before it has read a large body and close the connection (nginx's 413): the answer still counts."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            from urllib.parse import urlencode

            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            try:
                connection.request(method, path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError):
                pass  # answered early: read that answer below
            response = Response(connection.getresponse())
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";")[0].partition("=")
            if not value or "max-age=0" in cookie.lower():  # deleted, as a browser drops it
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, data, headers=None):
        return self.request("POST", path, body=data, headers=headers)

    def post_multipart(self, path, fields, files, headers=None):
        """A form with files (multipart/form-data), as a browser sends it; files: {name: (filename, type, bytes)}."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, media_type, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f"Content-Type: {media_type}\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {**(headers or {}), "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self.request("POST", path, body=b"".join(parts), headers=headers)


def children_of(pid):
    """The processes whose parent is pid (gunicorn's workers), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                # The fields after the command's closing parenthesis: state, then the parent's pid.
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
    return children


def hidden_token(page, name="csrf_token"):
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"|type="hidden" name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} in the page"
    return found.group(1) or found.group(2)


def sign_through(client, slug, email, name="Anna de Vries", updates=True):
    """Open the campaign page and sign with its form, as a browser does (the token from the page), and
    follow a 303 on to "check your email", which takes the address back out of the session (issue 20).
    Returns the answer to the form."""
    page = client.get(f"/campaigns/{slug}")
    assert page.status == 200, page.text[:300]
    data = {"name": name, "email": email, "consent": "y", "csrf_token": hidden_token(page.text)}
    if updates:
        data["updates"] = "y"
    answer = client.post(f"/campaigns/{slug}/sign", data, headers={"Sec-Fetch-Site": "same-origin"})
    if answer.status == 303:
        sent = client.get(urlsplit(answer.header("Location")).path)
        assert sent.status == 200 and email in sent.text and "session" not in client.cookies, sent.status
    return answer


def confirm_through(client, path):
    """Open a confirmation link, press its button and follow the answer on to the thank-you page, as a
    browser does; returns that page (or the answer that was no 303)."""
    page = client.get(path)
    assert page.status == 200, page.text[:300]
    confirmed = client.post(path, {"submit": "confirm"}, headers={"Sec-Fetch-Site": "same-origin"})
    if confirmed.status != 303:
        return confirmed
    return client.get(confirmed.headers["Location"])


def loopback_address(seed, index):
    """A client address of its own on the loopback network (Linux answers on all of 127/8)."""
    return f"127.{seed % 200 + 20}.{index // 250}.{index % 250 + 1}"


def seconds_since(start):
    return time.monotonic() - start
