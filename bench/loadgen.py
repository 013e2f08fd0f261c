"""A small HTTP load generator: one process, one thread, non-blocking sockets (selectors/epoll).

    python bench/loadgen.py SPEC.json        # prints one JSON document with the results

Why not wrk: the benchmarks need exact accounting (every signature or confirmation sent is either
answered and counted, or reported as an error), and wrk stops on a timer with requests still in flight
that the server completes but wrk never counts. This client stops issuing at a request count or a
deadline, whichever comes first, and then waits for every request in flight (bounded by a drain timeout).
It costs a few tens of microseconds of CPU per request; its own CPU time is measured and reported.

The spec (JSON):
    host, port                  where to send (only 127.0.0.1 is used by the benchmarks)
    kind                        "get" (path, or targets: [port, path] pairs taken in turn), "sign" (slug,
                                email_prefix; path to post the same bodies elsewhere, e.g. the write baseline),
                                "verify" (tokens_file); latencies are also reported per target
    keepalive                   reuse connections unless the server says Connection: close
    index_start, index_step     which request numbers this process makes (several processes share a run)
    phases                      [{name, connections, requests, duration, drain}]
    timeout                     seconds one request may take before it counts as an error
    expect                      statuses that count as success (e.g. [200] or [202])
    raw_latencies               also return every latency (to merge several runs)
"""
import errno
import json
import resource
import selectors
import socket
import sys
import time


def request_maker(spec):
    host = f"{spec['host']}:{spec['port']}"
    kind = spec["kind"]
    start, step = spec.get("index_start", 0), spec.get("index_step", 1)
    counter = {"n": 0}

    def next_index():
        i = start + counter["n"] * step
        counter["n"] += 1
        return i

    port = spec["port"]
    if kind == "get":
        # one path, or several targets taken in turn: request i goes to targets[i % len(targets)], each
        # target a [port, path] pair (so one run can alternate between two servers)
        targets = spec.get("targets") or [[port, spec["path"]]]
        requests = [(f"{p}{path}", f"GET {path} HTTP/1.1\r\nHost: {spec['host']}:{p}\r\nAccept: text/html\r\n\r\n".encode(), p)
                    for p, path in targets]

        def make():
            return requests[next_index() % len(requests)]

        return make
    if kind == "sign":
        path = spec.get("path") or f"/api/v1/campaigns/{spec['slug']}/signatures"
        prefix = spec["email_prefix"]

        def make():
            i = next_index()
            body = json.dumps(
                {"name": f"Bench Signer {i}", "email": f"{prefix}{i}@example.org", "consent": True,
                 "updates": True, "public": i % 2 == 0, "locale": "nl" if i % 3 else "en"}
            ).encode()
            head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode()
            return "sign", head + body, port

        return make
    if kind == "verify":
        with open(spec["tokens_file"]) as fh:
            tokens = [line.strip() for line in fh if line.strip()]

        def make():
            i = next_index()
            if i >= len(tokens):
                return None
            return "verify", (f"POST /verify/{tokens[i]} HTTP/1.1\r\nHost: {host}\r\n"
                              "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n").encode(), port

        return make
    raise ValueError(f"unknown kind {kind}")


class Conn:
    __slots__ = ("sock", "out", "inbuf", "t0", "head_end", "need", "status", "close_after", "connecting", "label", "port")

    def __init__(self):
        self.sock = None


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(q * (len(sorted_values) - 1)))))
    return sorted_values[k]


def run_phase(spec, phase, make_request):
    keepalive = spec.get("keepalive", True)
    timeout = spec.get("timeout", 30.0)
    expect = set(spec.get("expect", [200]))
    max_requests = phase.get("requests", 10**9)
    duration = phase.get("duration", 3600)
    connections = phase["connections"]
    sel = selectors.DefaultSelector()
    stats = {"issued": 0, "completed": 0, "ok": 0, "errors": 0}
    statuses, samples, latencies = {}, [], []
    by_label = {}
    exhausted = False
    start = time.perf_counter()
    deadline = start + duration
    hard_deadline = deadline + phase.get("drain", 30.0)
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    conns = [Conn() for _ in range(connections)]
    live = set()

    def close(c):
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            c.sock = None

    def error(c, what):
        stats["errors"] += 1
        if len(samples) < 8:
            samples.append(what)
        close(c)

    def start_request(c):
        nonlocal exhausted
        data = None
        if stats["issued"] < max_requests and time.perf_counter() < deadline and not exhausted:
            data = make_request()
            if data is None:
                exhausted = True
        if data is None:
            close(c)
            live.discard(c)
            return
        c.label, data, port = data
        if c.sock is not None and c.port != port:
            close(c)
        c.port = port
        stats["issued"] += 1
        c.out, c.inbuf, c.head_end, c.need, c.status, c.close_after = memoryview(data), bytearray(), None, None, None, False
        c.t0 = time.perf_counter()
        if c.sock is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rc = s.connect_ex((spec["host"], port))
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                error(c, f"connect: {errno.errorcode.get(rc, rc)}")
                start_request(c)
                return
            c.sock, c.connecting = s, True
            sel.register(s, selectors.EVENT_WRITE, c)
        else:
            c.connecting = False
            sel.modify(c.sock, selectors.EVENT_WRITE, c)

    def complete(c):
        latency = time.perf_counter() - c.t0
        latencies.append(latency)
        by_label.setdefault(c.label, []).append(latency)
        stats["completed"] += 1
        statuses[c.status] = statuses.get(c.status, 0) + 1
        if c.status in expect:
            stats["ok"] += 1
        elif len(samples) < 8:
            samples.append(f"HTTP {c.status}: {bytes(c.inbuf[c.head_end:c.head_end + 300])!r}")
        if c.close_after or not keepalive:
            close(c)
        start_request(c)

    def parse(c):
        if c.head_end is None:
            i = c.inbuf.find(b"\r\n\r\n")
            if i < 0:
                return
            c.head_end = i + 4
            lines = bytes(c.inbuf[:i]).split(b"\r\n")
            c.status = int(lines[0].split()[1])
            length = None
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"connection" and value.strip().lower() == b"close":
                    c.close_after = True
            if length is None:
                c.close_after = True  # read until the server closes
            else:
                c.need = c.head_end + length
        if c.need is not None and len(c.inbuf) >= c.need:
            complete(c)

    for c in conns:
        live.add(c)
        start_request(c)

    while live:
        now = time.perf_counter()
        if now > hard_deadline:
            for c in list(live):
                error(c, "drain timeout")
                live.discard(c)
            break
        for key, mask in sel.select(timeout=0.2):
            c = key.data
            if c.sock is None:
                continue
            if mask & selectors.EVENT_WRITE:
                if c.connecting:
                    err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err:
                        error(c, f"connect: {errno.errorcode.get(err, err)}")
                        start_request(c)
                        continue
                    c.connecting = False
                try:
                    n = c.sock.send(c.out)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    error(c, f"send: {exc}")
                    start_request(c)
                    continue
                c.out = c.out[n:]
                if not len(c.out):
                    sel.modify(c.sock, selectors.EVENT_READ, c)
            elif mask & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(262144)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    error(c, f"recv: {exc}")
                    start_request(c)
                    continue
                if not data:
                    if c.head_end is not None and c.need is None:
                        complete(c)
                    else:
                        error(c, "closed before the response was complete")
                        start_request(c)
                    continue
                c.inbuf += data
                parse(c)
        now = time.perf_counter()
        for c in list(live):
            if c.sock is not None and now - c.t0 > timeout:
                error(c, "request timeout")
                start_request(c)

    elapsed = time.perf_counter() - start
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    latencies.sort()
    return {
        "latency_by_label": {label: summary(sorted(values)) for label, values in by_label.items()},
        "name": phase.get("name", "run"),
        "connections": connections,
        **stats,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "samples": samples,
        "exhausted": exhausted,
        "elapsed": elapsed,
        "rate": stats["completed"] / elapsed if elapsed else 0.0,
        "ok_rate": stats["ok"] / elapsed if elapsed else 0.0,
        "cpu_seconds": cpu,
        "latency": summary(latencies),
        "latencies": [round(x, 6) for x in latencies] if spec.get("raw_latencies") else None,
    }


def summary(latencies):
    return {
        "count": len(latencies),
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "max": latencies[-1] if latencies else None,
        "mean": sum(latencies) / len(latencies) if latencies else None,
    }


def main():
    with open(sys.argv[1]) as fh:
        spec = json.load(fh)
    make_request = request_maker(spec)
    results = [run_phase(spec, phase, make_request) for phase in spec["phases"]]
    json.dump({"phases": results}, sys.stdout)


if __name__ == "__main__":
    main()
