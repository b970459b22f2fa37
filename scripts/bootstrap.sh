#!/usr/bin/env bash
# Installs everything rolevisor needs on Debian 12, idempotently: the Debian packages of
# the services it supervises, then the npm packages. The Dockerfile runs this same script
# (with --no-npm, since it installs production dependencies itself), so CI proves the
# image's install step.
set -euo pipefail

want_npm=1
want_test=0
for arg in "$@"; do
  case "$arg" in
    --no-npm) want_npm=0 ;;
    --test) want_test=1 ;;
    *) echo "bootstrap: unknown option $arg (known: --no-npm, --test)" >&2; exit 64 ;;
  esac
done

packages=(
  postgresql postgresql-client redis-server rabbitmq-server syslog-ng-core
  nginx-light uwsgi uwsgi-plugin-python3 python3 python3-celery python3-flask
  python3-psycopg2 python3-redis python3-yaml tini zstd openssl util-linux iproute2
  ca-certificates
)
# The tests also drive a real browser against the demo page.
if [ "$want_test" = 1 ]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 77
  fi
  # Services must not start from the package scripts: rolevisor runs them itself.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  echo "bootstrap: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ "${created_policy:-0}" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

if [ "$want_npm" = 1 ]; then
  cd "$(dirname "$0")/.."
  # Reinstall only when package-lock.json changed since the last install.
  stamp=node_modules/.rolevisor-lock.sha256
  sum=$(sha256sum package-lock.json 2>/dev/null | cut -d' ' -f1 || true)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "bootstrap: installing npm packages"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$sum" > "$stamp"
  fi
fi
