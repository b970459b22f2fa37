#!/bin/bash
# Run as root on a machine with Debian's redis-server 7; leaves nothing running (removes $D at the end).
# Redis with and without TLS on loopback (the CLUSTERTLS configuration: port 0 + tls-port,
# tls-auth-clients no, an EC P-256 certificate): redis-benchmark GET, a new connection per
# request (-k 0, as a client that does not keep its connection) and with kept connections.
set -e
D=${TLSMEASUREDIR:-/var/tmp/rolevisor-redis-tls-measure}
PLAIN=46379
TLS=46380
N=${N:-20000}
mkdir -p $D && chmod 755 $D
cleanup() { for f in $D/plain.pid $D/run/tls.pid; do [ -f $f ] && kill "$(cat $f)" 2>/dev/null; done; sleep 1; rm -rf "$D"; }
trap cleanup EXIT
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=ca -keyout $D/ca.key -out $D/ca.crt 2>/dev/null
openssl req -x509 -CA $D/ca.crt -CAkey $D/ca.key -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout $D/server.key -out $D/server.crt 2>/dev/null
mkdir -p $D/run && chown redis $D/server.key $D/server.crt $D/run
redis-server --port $PLAIN --bind 127.0.0.1 --save '' --daemonize yes --pidfile $D/plain.pid --logfile ''
runuser -u redis -- redis-server --port 0 --tls-port $TLS --bind 127.0.0.1 --save '' --tls-cert-file $D/server.crt \
  --tls-key-file $D/server.key --tls-ca-cert-file $D/ca.crt --tls-auth-clients no --daemonize yes --pidfile $D/run/tls.pid --logfile ''
sleep 1
for round in 1 2 3; do
  for k in 0 1; do
    # A handshake per request is slow: a tenth of the requests.
    n=$([ $k = 0 ] && echo $((N / 10)) || echo $N)
    p=$(redis-benchmark -p $PLAIN -c 2 -n $n -k $k -t get -q | grep -oE '[0-9.]+ requests per second' | head -1)
    t=$(redis-benchmark -p $TLS --tls --cacert $D/ca.crt -c 2 -n $n -k $k -t get -q | grep -oE '[0-9.]+ requests per second' | head -1)
    echo "round=$round keepalive=$k plain: $p | tls: $t"
  done
done
