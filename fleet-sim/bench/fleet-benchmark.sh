#!/usr/bin/env bash
# Fleet benchmark: N emulated devices update to a signed image of SIZE bytes through a real
# Mosquitto (MQTT, plain TCP on 127.0.0.1) with the image served by a real nginx. Both servers are
# started here, unprivileged, from generated configurations in a temporary directory, and stopped
# at the end. Prints the simulator's report, the broker's byte counters ($SYS) and nginx's bytes.
#
#   fleet-sim/bench/fleet-benchmark.sh [DEVICES] [SIZE] [HEAP]
#   fleet-sim/bench/fleet-benchmark.sh 1000 1048576 12g
set -euo pipefail
devices=${1:-1000}
size=${2:-1048576}
heap=${3:-12g}
repo=$(cd "$(dirname "$0")/../.." && pwd)
for bin in mosquitto nginx; do
  command -v "$bin" >/dev/null || [ -x "/usr/sbin/$bin" ] || { echo "fleet-benchmark: $bin is not installed (apt-get install -y $bin)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/meerkat-fleet-bench.XXXXXX)
chmod 755 "$work"
mqtt_port=$((20000 + RANDOM % 20000))
http_port=$((mqtt_port + 1))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

cat > "$work/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
persistence false
sys_interval 1
max_queued_messages 10000
log_dest file $work/mosquitto.log
listener $mqtt_port 127.0.0.1
CONF
chmod 644 "$work/mosquitto.conf"
touch "$work/mosquitto.log" && chmod 666 "$work/mosquitto.log"
"$(command -v mosquitto || echo /usr/sbin/mosquitto)" -c "$work/mosquitto.conf" &
pids+=($!)

mkdir -p "$work/www" "$work/tmp" "$work/logs"
chmod 755 "$work/www"
cat > "$work/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  log_format bytes '\$status \$body_bytes_sent';
  access_log $work/logs/access.log bytes;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy; fastcgi_temp_path $work/tmp/fastcgi;
  uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  keepalive_requests 10000;
  server { listen 127.0.0.1:$http_port; root $work/www; location / { } }
}
CONF

cd "$repo"
./meerkat keygen -t ed25519 -k "$work/release.pem" --force >/dev/null
./meerkat fleet build -k "$work/release.pem" -o "$work/www" --image-size "$size"
chmod 644 "$work"/www/*.bin
"$(command -v nginx || echo /usr/sbin/nginx)" -p "$work" -c "$work/nginx.conf" -e "$work/logs/error.log" &
pids+=($!)
sleep 1

echo "devices=$devices image=$size heap=$heap broker=tcp://127.0.0.1:$mqtt_port http=http://127.0.0.1:$http_port"
start=$(date +%s.%N)
MEERKAT_JAVA_OPTS="-Xmx$heap -Xss512k ${MEERKAT_JAVA_OPTS:-}" ./meerkat fleet simulate --devices "$devices" \
  --broker "tcp://127.0.0.1:$mqtt_port" -k "$work/release.pem" --factory "$work/www/v1.bin" \
  --image-size "$size" --rollout "http://127.0.0.1:$http_port/v2.bin" --expect committed --timeout 900 --json \
  | tee "$work/report.txt"
end=$(date +%s.%N)
awk '{n++; b+=$2; s[$1]++} END {printf "nginx: %d requests, %d body bytes, statuses:", n, b; for (k in s) printf " %s=%d", k, s[k]; print ""}' "$work/logs/access.log"
echo "whole run (JVM start, boot, rollout, shutdown): $(echo "$end - $start" | bc) s"
echo "files in $work"
