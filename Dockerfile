# rolevisor's image: Node 22 LTS on Debian 12 (bookworm, the Debian CI runs on), the Debian
# packages of every service installed by scripts/bootstrap.sh (the same script `npm test`
# runs in CI, so CI proves this install step), production npm packages only, and the
# compiled JavaScript: no compiler at run time.
#   docker build -t rolevisor .
#   docker run --env-file=env.list -p 80:80 -v rolevisor:/var/lib/rolevisor --stop-timeout 60 rolevisor
# See docs/container.md. tests/container/ checks this file and runs its ENTRYPOINT as PID 1.

# --- build: dev dependencies and tsc; nothing of this stage but dist/ reaches the image.
FROM node:22-bookworm-slim AS build
# No "new version of npm available" notices in the build's output.
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- runtime
FROM node:22-bookworm-slim
# Pass --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%FT%TZ)"
# to stamp the image; the tests check the other labels against package.json.
ARG REVISION=
ARG CREATED=
LABEL org.opencontainers.image.title="rolevisor" \
      org.opencontainers.image.description="Role-driven container entrypoint and supervisor: PostgreSQL, Redis, RabbitMQ, syslog, nginx+uwsgi, Celery — with verified backups that survive scaling to zero." \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="docker.io/library/node:22-bookworm-slim" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# MALLOC_ARENA_MAX=2: rolevisor's footprint (src/cli.ts's first line says why; its children
# get their environment explicitly, without it).
ENV NODE_ENV=production \
    LANG=C.UTF-8 \
    MALLOC_ARENA_MAX=2
WORKDIR /opt/rolevisor

# Debian packages. bootstrap.sh installs them non-interactively with --no-install-recommends
# behind a policy-rc.d that keeps the package scripts from starting any service (rolevisor
# runs them itself). PostgreSQL's package creates a default cluster that rolevisor never
# uses (its data lives under ROLEVISOR_HOME): drop it. Package versions are those of the
# bookworm archive on the day of the build (security updates included): not pinned.
# PostgreSQL's JIT is LLVM (libllvm14 and libz3-4, ~150 MB with its bitcode), a hard
# dependency of Debian's package that these small queries never need: without llvmjit.so
# PostgreSQL runs without JIT (jit_provider missing is not an error). Removed with
# --force-depends, so a later apt-get install in an image built FROM this one first asks for
# `apt-get -f install`, which brings LLVM back. No apt lists or caches stay in the layer.
COPY scripts/bootstrap.sh scripts/bootstrap.sh
RUN bash scripts/bootstrap.sh --no-npm \
 && for conf in /etc/postgresql/*/main; do \
      if [ -d "$conf" ]; then pg_dropcluster "$(basename "$(dirname "$conf")")" main; fi; \
    done \
 && rm -rf /usr/lib/postgresql/*/lib/llvmjit* /usr/lib/postgresql/*/lib/bitcode \
 && dpkg --purge --force-depends libllvm14 libz3-4 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log

# Production npm packages, exactly as locked (none of them has an install script).
COPY package.json package-lock.json ./
# The cache removed by hand: `npm cache clean --force` warns about --force at every build.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf /root/.npm

COPY --from=build /src/dist ./dist
# The role files, their templates and the bundled demo app (roles/web/demo).
COPY roles ./roles
# PostgreSQL's archive_command: hands each WAL segment to rolevisor (src/backup/wal/archiver.ts).
COPY scripts/wal-archive.mjs ./scripts/wal-archive.mjs
# `docker exec CONTAINER rolevisor status` (cli.js starts with #!/usr/bin/env -S node --).
RUN chmod 0755 dist/cli.js \
 && ln -s /opt/rolevisor/dist/cli.js /usr/local/bin/rolevisor

# Root on purpose: rolevisor chowns each service's directories and runs every program as
# its own system user (postgres, redis, rabbitmq, www-data, ...); nginx binds port 80.
VOLUME /var/lib/rolevisor
# The default ports of every role (one role per container publishes only its own):
# web 80/443, sql 5432, redis 6379, rabbitmq 5672, log 514 (TCP and UDP) and its viewer
# 8080, status server 8088. Erlang's epmd and distribution ports listen on loopback only.
EXPOSE 80 443 5432 6379 5672 514/tcp 514/udp 8080 8088

# rolevisor stops the front first, backs up, then stops the rest, all within STOPTIMEOUT:
# give `docker stop -t` at least that many seconds (docs/container.md).
STOPSIGNAL SIGTERM
# /healthz answers while the supervisor is alive (/readyz is for load balancers). Node is
# the HTTP client: the image has no curl. STATUSPORT and STATUSBIND are read at check time.
HEALTHCHECK --interval=15s --timeout=5s --start-period=300s --retries=3 \
  CMD ["node", "-e", "const b = process.env.STATUSBIND; const h = !b || b === '0.0.0.0' || b === '::' ? '127.0.0.1' : b; fetch('http://' + (h.includes(':') ? '[' + h + ']' : h) + ':' + (process.env.STATUSPORT || '8088') + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini is PID 1: it reaps orphaned processes and passes SIGTERM to rolevisor alone (no -g:
# rolevisor stops its children itself, in order). "node --": options after it reach rolevisor.
# --max-semi-space-size=1: V8's young generation stays at 1-3 MB instead of growing to 32 MB
# and more while children log a lot at boot (docs/benchmarks.md, boot section).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=1", "--", "/opt/rolevisor/dist/cli.js"]
CMD ["run"]
