#!/usr/bin/env bash
# What `make bench` needs besides the virtualenv, installed only when missing, so that it runs on a clean
# Debian machine from nothing and installs nothing on a machine that has it all (docs/performance.md):
#   wrk               the load generator for the ceilings and the page through nginx (Debian's package)
#   nginx-light       nginx in front of gunicorn, with deploy/nginx.conf (as .ci/run installs it)
#   fonts-dejavu-core the fonts of the demand letter (bench/letters.py)
# PostgreSQL and Redis on 127.0.0.1 are the machine's, as for the test suite: started again here, the way
# .ci/run does, only when they are installed and stopped.
#
# Without root (and no sudo) or without apt-get, nothing is installed: the benchmark then measures the
# ceilings with bench/loadgen.py and says so in its output. Under CI=true that is an error instead.
set -euo pipefail

missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx-light)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "bench: installing ${missing[*]} (apt-get)"
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  elif [ "${CI:-}" = "true" ]; then
    echo "bench: ${missing[*]} missing and cannot be installed here (no apt-get, or not root and no sudo)" >&2
    exit 1
  else
    echo "bench: ${missing[*]} missing and not installed (no apt-get, or not root and no sudo);" \
         "the figures that need them say so" >&2
  fi
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
