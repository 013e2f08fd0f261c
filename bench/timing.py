"""Benchmark of what the clock tells (issue 11, point 6): a request about an address that has an account
(or has signed) must take as long as one about an address that has none, so that nobody can time the
forms to learn who organizes a campaign or who signed it.

    .venv/bin/python bench/timing.py            # about 2 minutes on a busy 2-core machine
    .venv/bin/python bench/timing.py --quick    # a smoke check, about 30 s

For each of register, password reset, login (a wrong password) and sign, requests about a known and an
unknown address alternate (known, unknown, unknown, known, ...; every unknown address is new, and every
signer is probed once), so that other load on the machine falls on both sides alike. The figure is the
median over the pairs of known / unknown, each pair's two requests sent one right after the other (so
that a change in the machine's load between pairs cancels out); the target is a ratio within 1.1 either
way (0.91-1.10), with the same answer on both sides. Each line also prints the median time of each
side. The pairs of each flow are cut into ROUNDS rounds, and the flows take turns round by round
(register, reset, login, sign, register, ...), so that each flow's rounds spread over the whole run; the
lowest and highest median of a single round are printed as the spread: the figure lies between them, and
a second run on the same machine should too. (Before issue 19 the figure was the ratio of the two sides' medians, which moved
more from run to run under load.) The flows that hash a password (register, login)
take 60 pairs: with the 10-40 of earlier versions a ratio moved by 0.2-0.3 from run to run.

The requests run in this process through Flask's test client, against PostgreSQL and Redis as in
production (a database and queue prefix of the run's own, dropped at the end; see bench/common.py):
the whole request, its commit and its job hand-over are timed, without the HTTP server. Over the
network the same difference would sit on top of a constant, so the ratio here is the stricter one.
`make bench` runs it too (bench/run.py --only timing).
"""
import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
if __name__ == "__main__" and (VENV / "bin" / "python").exists() and Path(sys.prefix).resolve() != VENV.resolve():
    os.execv(str(VENV / "bin" / "python"), [str(VENV / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

from bench.common import MIN_ROUNDS, Bench, spread_text, verdict  # noqa: E402

SLUG = "safe-leiden"
TARGET = 1.1
# pairs of requests per flow: the flows that hash a password take about 0.1-0.4 s per request
SIZES = {
    "full": {"register": 60, "reset": 300, "login": 60, "sign": 300, "warmup": 4},
    "quick": {"register": 12, "reset": 45, "login": 12, "sign": 45, "warmup": 2},
}
# (at least MIN_ROUNDS) with 3, two full runs gave reset 1.04 (1.02-1.09) and 1.01 (1.00-1.03); with 5, each flow's
# rounds one after the other, sign 1.026 (1.019-1.031) and 1.017 (1.015-1.020)
ROUNDS = 10
PASSWORD = "a long bench password"


def _client_address(i):
    """A client address of its own for each request, as a patient attacker would have (the soft limits
    per address would otherwise change what a sign request does)."""
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


class Flow:
    """One form, asked about known and unknown addresses: `request(kind, i)` sends the i-th request of
    that kind and returns the response."""

    def __init__(self, name, client, request, expect, same_answer):
        self.name, self.client, self.request, self.expect, self.same_answer = name, client, request, expect, same_answer


def _flows(b, tag):
    client = b.app.test_client()
    known_email = f"known-{tag}@example.org"

    def register(kind, i):
        email = known_email if kind == "known" else f"new-{tag}-{i}@example.org"
        return client.post("/account/register?lang=en", data={
            "name": "Bench Organizer", "email": email, "password": PASSWORD, "password_repeat": PASSWORD,
        }, environ_base={"REMOTE_ADDR": _client_address(i)})

    def reset(kind, i):
        email = known_email if kind == "known" else f"nobody-{tag}-{i}@example.org"
        return client.post("/account/reset?lang=en", data={"email": email}, environ_base={"REMOTE_ADDR": _client_address(i)})

    def login(kind, i):
        email = known_email if kind == "known" else f"nobody-{tag}-{i}@example.org"
        return client.post("/account/login?lang=en", data={"email": email, "password": f"wrong password {i}"},
                           environ_base={"REMOTE_ADDR": _client_address(i)})

    def sign(kind, i):
        email = f"signer-{tag}-{i}@example.org" if kind == "known" else f"fresh-{tag}-{i}@example.org"
        return client.post(f"/campaigns/{SLUG}/sign?lang=en", data={
            "name": "Bench Signer", "email": email, "city": "Leiden", "consent": "y",
        }, environ_base={"REMOTE_ADDR": _client_address(1_000_000 + i)})

    def same_page(known, unknown):
        return known.status_code == unknown.status_code and known.data == unknown.data

    def same_login_page(known, unknown):
        # the form keeps the address typed; apart from it the pages must not differ
        texts = [known.get_data(as_text=True).replace(known_email, "ADDRESS"),
                 re.sub(r"nobody-[\w.-]+@example\.org", "ADDRESS", unknown.get_data(as_text=True))]
        return known.status_code == unknown.status_code and texts[0] == texts[1]

    def same_redirect(known, unknown):
        return known.status_code == unknown.status_code and known.headers.get("Location") == unknown.headers.get("Location")

    return known_email, [
        Flow("register", client, register, 200, same_page),
        Flow("reset", client, reset, 200, same_page),
        Flow("login", client, login, 422, same_login_page),
        Flow("sign", client, sign, 303, same_redirect),
    ]


def _prepare(b, tag, known_email, signers):
    """The known side: an account (confirmed, its password hashed as production hashes it) and
    `signers` confirmed signatures, made through the app's own code."""
    from sqlalchemy import text

    from petition_app.accounts.models import User
    from petition_app.extensions import db
    from petition_app.timeutil import utcnow

    with b.app.app_context():
        user = User(email=known_email, name="Known Organizer", role="organizer", locale="en", email_confirmed_at=utcnow())
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = b.app.test_client()
    bad = 0
    for i in range(signers):
        response = client.post(f"/campaigns/{SLUG}/sign?lang=en", data={
            "name": "Known Signer", "email": f"signer-{tag}-{i}@example.org", "city": "Leiden", "consent": "y",
        }, environ_base={"REMOTE_ADDR": _client_address(2_000_000 + i)})
        bad += response.status_code != 303
    with b.app.app_context():
        db.session.execute(text("UPDATE signatures SET confirmed_at = now() WHERE email LIKE :p AND confirmed_at IS NULL"),
                           {"p": f"signer-{tag}-%"})
        db.session.commit()
    if bad:
        raise RuntimeError(f"{bad} of {signers} signatures for the known side were refused")


def _time_pairs(flow, indices, warmup, result):
    """Send the pairs numbered `indices` (known, unknown, then unknown, known, ...; negative numbers are
    warm-up pairs, not kept), adding their times and whether every answer was the expected one and
    alike on both sides to `result`."""
    t0 = time.perf_counter()
    for i in indices:
        order = ("known", "unknown") if i % 2 == 0 else ("unknown", "known")
        answers = {}
        for kind in order:
            index = i + warmup  # each request its own address, warm-up included
            t1 = time.perf_counter()
            answers[kind] = flow.request(kind, index)
            elapsed = time.perf_counter() - t1
            if i >= 0:
                result["times"][kind].append(elapsed)
        result["unexpected"] += sum(r.status_code != flow.expect for r in answers.values())
        result["different"] += not flow.same_answer(answers["known"], answers["unknown"])
    result["seconds"] += time.perf_counter() - t0


def round_cuts(pairs, rounds):
    """The pairs of each of `rounds` rounds, as (first, end) ranges of pair numbers."""
    size = pairs // rounds
    return [(i * size, pairs if i == rounds - 1 else (i + 1) * size) for i in range(rounds)]


def pair_ratios(known, unknown):
    """known / unknown of each pair (the two lists are in request order, pair i at index i)."""
    return [k / u for k, u in zip(known, unknown)]


def round_ratios(pairs, rounds):
    """The median pair ratio of each round (the pairs are in the order they were sent)."""
    return [statistics.median(pairs[a:b]) for a, b in round_cuts(len(pairs), rounds) if b > a]


def measure(b, quick=False):
    """Time the four flows on the Bench's app; returns (headline, detail lines, ok)."""
    size = SIZES["quick" if quick else "full"]
    tag = b.run_id
    known_email, flows = _flows(b, tag)
    config = b.app.config
    saved = config["WTF_CSRF_ENABLED"], config["RATELIMIT_ENABLED"]
    config["WTF_CSRF_ENABLED"] = False  # the forms' CSRF tokens are not what is measured here
    try:
        _prepare(b, tag, known_email, size["sign"] + size["warmup"])
        state = {flow.name: {"times": {"known": [], "unknown": []}, "unexpected": 0, "different": 0, "seconds": 0.0}
                 for flow in flows}
        # The flows take turns round by round, so that each flow's rounds spread over the whole benchmark
        # and its spread sees the machine's load as it changes (one flow after the other, a flow's rounds
        # fell within a few seconds, and a second run's figure landed outside their spread).
        for number in range(ROUNDS):
            for flow in flows:
                first, end = round_cuts(size[flow.name], ROUNDS)[number]
                _time_pairs(flow, range(-size["warmup"] if number == 0 else first, end), size["warmup"], state[flow.name])
        results = {name: (r["times"], r["unexpected"], r["different"], r["seconds"]) for name, r in state.items()}
    finally:
        config["WTF_CSRF_ENABLED"], config["RATELIMIT_ENABLED"] = saved
    lines, ratios, spreads, all_ok = [], {}, {}, True
    for name, (times, unexpected, different, seconds) in results.items():
        known, unknown = statistics.median(times["known"]), statistics.median(times["unknown"])
        pairs = pair_ratios(times["known"], times["unknown"])
        ratio = ratios[name] = statistics.median(pairs)
        per_round = spreads[name] = round_ratios(pairs, ROUNDS)
        ok = 1 / TARGET <= ratio <= TARGET and unexpected == 0 and different == 0
        all_ok &= ok
        quartiles = {k: statistics.quantiles(v, n=4) for k, v in times.items()}
        lines.append(
            f"{name}: ratio {ratio:.3f} (median of {len(pairs)} pairs), median {known * 1000:.1f} ms known against "
            f"{unknown * 1000:.1f} ms unknown, "
            f"{spread_text(per_round, 3)} (target within {TARGET}) {verdict(ok)}; {len(times['known'])} requests each; quartiles known "
            f"{quartiles['known'][0] * 1000:.1f}-{quartiles['known'][2] * 1000:.1f} ms, unknown "
            f"{quartiles['unknown'][0] * 1000:.1f}-{quartiles['unknown'][2] * 1000:.1f} ms; "
            f"{unexpected} unexpected answers, {different} pairs answered differently; {seconds:.1f} s"
        )
    headline = (
        "timing, known / unknown address (median of the pairs; spread of the rounds): "
        + ", ".join(f"{name} {ratio:.2f} ({min(spreads[name]):.2f}-{max(spreads[name]):.2f})" for name, ratio in ratios.items())
        + f" (target within {TARGET} each way) {verdict(all_ok)}"
    )
    return headline, lines, all_ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests, a smoke check")
    args = parser.parse_args()
    started = time.perf_counter()
    b = Bench(quick=args.quick)
    print(f"timing benchmark ({'quick' if args.quick else 'full'}): run {b.run_id}; database {b.db_name}; "
          f"{os.cpu_count()} cores", flush=True)
    try:
        b.setup()
        headline, lines, ok = measure(b, quick=args.quick)
    finally:
        b.cleanup()
    print(headline)
    for line in lines:
        print(f"    {line}")
    print(f"    ({time.perf_counter() - started:.1f} s in all, setup included)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
