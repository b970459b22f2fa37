#!/bin/bash
# Run as root on a machine with Debian's postgresql 15; leaves nothing running (removes $D at the end).
# PostgreSQL with and without TLS on loopback: pgbench, a new connection per transaction
# (-C, as the demo app connects per request) and with kept connections.
set -e
B=/usr/lib/postgresql/15/bin
D=${TLSMEASUREDIR:-/var/tmp/rolevisor-tls-measure}
PORT=45432
mkdir -p $D && chown postgres $D && chmod 700 $D
su postgres -s /bin/sh -c "$B/initdb -D $D/data -U postgres --auth=trust >/dev/null"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout $D/data/server.key -out $D/data/server.crt 2>/dev/null
chown postgres $D/data/server.key $D/data/server.crt; chmod 600 $D/data/server.key
su postgres -s /bin/sh -c "$B/pg_ctl -D $D/data -o '-p $PORT -k $D -c listen_addresses=127.0.0.1 -c ssl=on' -l $D/log -w start >/dev/null"
su postgres -s /bin/sh -c "$B/pgbench -h 127.0.0.1 -p $PORT -U postgres -i -s 1 postgres >/dev/null 2>&1"
for round in 1 2 3; do
for mode in disable require; do
  for c in "-C" ""; do
    r=$(su postgres -s /bin/sh -c "PGSSLMODE=$mode $B/pgbench -h 127.0.0.1 -p $PORT -U postgres -S -T 8 -c 2 $c postgres 2>/dev/null" | grep -E "^tps" | head -1)
    echo "round=$round sslmode=$mode ${c:-kept} $r"
  done
done
done
su postgres -s /bin/sh -c "$B/pg_ctl -D $D/data -m fast stop >/dev/null"
rm -rf "$D"
