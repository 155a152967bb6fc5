#!/usr/bin/env bash
# Starts a service image built by Jib (the tarball, no Docker) the way the Deployment runs it:
# its layers unpacked in order, its entrypoint and user (10001) from the image config, a read-only
# root filesystem with writable /tmp and data directory, no host environment. For an image with
# SoftHSM2 the token is first initialised with the image's own softhsm2-util (as the example
# overlay's Job does) and the service signs through it. Given the service's ConfigMap from
# k8s/base, the environment is that ConfigMap's (HTTPS only, PEM files at the mounted paths),
# changed only where one machine differs from the cluster: loopback and free ports, and a local
# PostgreSQL (TLS, password auth) in place of the cluster's. Passes when /q/health/ready answers UP and a key signs a digest.
# Needs root (unshare, mounts). Usage: smoke-test.sh IMAGE.tar [CONFIGMAP.yaml]
set -euo pipefail
image=$(readlink -f "${1:?usage: smoke-test.sh IMAGE.tar [CONFIGMAP.yaml]}")
configmap=${2:-}
[ "$(id -u)" -eq 0 ] || { echo "smoke-test.sh: needs root (unshare and mounts)" >&2; exit 3; }

work=$(mktemp -d)
pid=
pg=
cleanup() {
  if [ -n "$pg" ]; then runuser -u postgres -- "$pg/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/image" "$work/root"
tar -xf "$image" -C "$work/image"
config=$(node -e 'const m = require(process.argv[1])[0]; console.log(m.Config); for (const l of m.Layers) console.log(l)' "$work/image/manifest.json")
{ read -r config_file; mapfile -t layers; } <<< "$config"
for layer in "${layers[@]}"; do
  tar --warning=no-unknown-keyword -xzf "$work/image/$layer" -C "$work/root"
done
mapfile -t entrypoint < <(node -e 'for (const a of require(process.argv[1]).config.Entrypoint) console.log(a)' "$work/image/$config_file")
user=$(node -e 'console.log(require(process.argv[1]).config.User)' "$work/image/$config_file")
workdir=$(node -e 'console.log(require(process.argv[1]).config.WorkingDir ?? "/")' "$work/image/$config_file")
mapfile -t image_env < <(node -e 'for (const e of require(process.argv[1]).config.Env ?? []) console.log(e)' "$work/image/$config_file")
echo "smoke-test: ${#layers[@]} layers, user $user, entrypoint ${entrypoint[*]}"

# Mount points the pod gets from emptyDir volumes (kubelet creates them the same way).
mkdir -p "$work/root/var/lib/meerkat" "$work/root/var/lib/softhsm/tokens" "$work/root/etc/softhsm"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
pin=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
env_args=("${image_env[@]}")
scheme=http
curl_tls=()
database="the image's default"
if [ -n "$configmap" ]; then
  # The ConfigMap's data keys in capitals are the pod's environment (envFrom); its first document only.
  mapfile -t pod_env < <(awk '/^---/ { exit } /^data:/ { d = 1; next }
    d && /^  [A-Z][A-Z0-9_]*: / { k = $1; sub(/:$/, "", k); v = substr($0, index($0, ": ") + 2); gsub(/^"|"$/, "", v); print k "=" v }' "$configmap")
  [ ${#pod_env[@]} -gt 5 ] || { echo "smoke-test: no environment found in $configmap" >&2; exit 3; }
  if compgen -G "$work/root/deployments/app/fleet-service-*.jar" >/dev/null; then
    # No object storage and no MQTT broker of the cluster on this machine: releases go to a directory on
    # the data volume and the MQTT transport stays off; everything else is the ConfigMap's.
    mapfile -t pod_env < <(printf '%s\n' "${pod_env[@]}" | grep -v -e '^MEERKAT_FLEET_STORAGE_' -e '^MEERKAT_FLEET_MQTT_')
    pod_env+=(MEERKAT_FLEET_STORAGE_KIND=directory MEERKAT_FLEET_STORAGE_DIRECTORY=/var/lib/meerkat/objects)
    # Secret fleet-release-keys at /etc/meerkat/release-keys: one trusted release key.
    mkdir -p "$work/root/etc/meerkat/release-keys"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null \
      | openssl pkey -pubout -out "$work/root/etc/meerkat/release-keys/release-1.pem"
  fi
  env_args+=("${pod_env[@]}")
  # The Secret signing-service-tls / fleet-service-tls at /etc/meerkat/tls (a self-signed certificate here).
  mkdir -p "$work/root/etc/meerkat/tls" "$work/root/etc/meerkat/mtls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work/root/etc/meerkat/tls/tls.key" \
    -out "$work/root/etc/meerkat/tls/tls.crt" 2>/dev/null
  cp "$work/root/etc/meerkat/tls/tls.crt" "$work/root/etc/meerkat/tls/ca.crt"
  # The properties ConfigMap, mounted at /deployments/config in the pod.
  mkdir -p "$work/root/deployments/config"
  awk '/^  application.properties: \|$/ { p = 1; next } p && /^    / { print substr($0, 5); next } p { exit }' \
    "$configmap" > "$work/root/deployments/config/application.properties"
  chown -R 10001:10001 "$work/root/etc/meerkat/tls"
  echo "ci-bot=ci-pipeline" > "$work/root/etc/meerkat/mtls/roles.properties"
  env_args+=(QUARKUS_HTTP_SSL_PORT=$port)
  jdbc=$(printf '%s\n' "${pod_env[@]}" | sed -n 's/^QUARKUS_DATASOURCE_PG_JDBC_URL=//p')
  pg=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  if [ -n "$jdbc" ] && [ -n "$pg" ] && id postgres >/dev/null 2>&1; then
    # PostgreSQL as the ConfigMap's JDBC URL wants it (TLS required), on loopback; the role and its
    # password reach the service the way Secret <service>-db-credentials does.
    db=$(sed -E 's|^jdbc:postgresql://[^/]+/([^?]+).*|\1|' <<< "$jdbc")
    pg_port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
    pg_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
    chmod 0755 "$work"
    mkdir -p "$work/pg/data"
    printf '%s' "$pg_password" > "$work/pg/password"
    chown -R postgres:postgres "$work/pg"
    runuser -u postgres -- "$pg/initdb" -D "$work/pg/data" -U "$db" --pwfile="$work/pg/password" -A scram-sha-256 >/dev/null
    install -o postgres -g postgres -m 0600 "$work/root/etc/meerkat/tls/tls.crt" "$work/pg/data/server.crt"
    install -o postgres -g postgres -m 0600 "$work/root/etc/meerkat/tls/tls.key" "$work/pg/data/server.key"
    runuser -u postgres -- "$pg/pg_ctl" -D "$work/pg/data" -w -l "$work/pg/log" \
      -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c ssl=on" start >/dev/null
    PGPASSWORD=$pg_password runuser -u postgres -- "$pg/createdb" -h 127.0.0.1 -p "$pg_port" -U "$db" "$db"
    env_args+=("QUARKUS_DATASOURCE_PG_JDBC_URL=$(sed -E "s|//[^/]+/|//127.0.0.1:$pg_port/|" <<< "$jdbc")"
      "QUARKUS_DATASOURCE_PG_USERNAME=$db" "QUARKUS_DATASOURCE_PG_PASSWORD=$pg_password")
    database="PostgreSQL $("$pg/postgres" --version | awk '{ print $3 }') over TLS"
  else
    pg=
    env_args+=(QUARKUS_DATASOURCE_PG_ACTIVE=false QUARKUS_DATASOURCE_H2_ACTIVE=true)
    database="H2 (no PostgreSQL on this machine)"
  fi
  scheme=https
  curl_tls=(--cacert "$work/root/etc/meerkat/tls/tls.crt")
  echo "smoke-test: environment: ${#pod_env[@]} variables and $(grep -c . "$work/root/deployments/config/application.properties") properties from $(basename "$(dirname "$configmap")")/$(basename "$configmap"), HTTPS only"
else
  env_args+=("QUARKUS_HTTP_PORT=$port")
fi
env_args+=(QUARKUS_HTTP_HOST=127.0.0.1 MEERKAT_DATA_DIR=/var/lib/meerkat)
# A token-verification key for the pod, as Secret meerkat-jwt provides it.
mkdir -p "$work/root/etc/meerkat/jwt"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/jwt.key" 2>/dev/null
openssl pkey -in "$work/jwt.key" -pubout -out "$work/root/etc/meerkat/jwt/jwt-public.pem"
env_args+=(MP_JWT_VERIFY_PUBLICKEY_LOCATION=/etc/meerkat/jwt/jwt-public.pem)
softhsm=false
if [ -x "$work/root/usr/bin/softhsm2-util" ]; then
  softhsm=true
  printf 'directories.tokendir = /var/lib/softhsm/tokens/\nobjectstore.backend = file\nlog.level = ERROR\n' \
    > "$work/root/etc/softhsm/softhsm2.conf"
  env_args+=(SOFTHSM2_CONF=/etc/softhsm/softhsm2.conf MEERKAT_KEYS_DEFAULT_BACKEND=pkcs11
    MEERKAT_PKCS11_LIBRARY=/usr/lib/softhsm/libsofthsm2.so "MEERKAT_PKCS11_PIN=$pin")
else
  env_args+=("MEERKAT_KEYSTORE_PASSWORD=$pin")
fi

# A private mount namespace: root filesystem read-only, /tmp and the volume mount points tmpfs.
# With SoftHSM2 the token is initialised first in the same namespace, as the example overlay's
# Job does on the volume the pods share. The environment is only the image's and the pod's.
start=$(date +%s%N)
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${env_args[@]}" unshare -m sh -c '
  root=$1; uid=${2%%:*}; gid=${2##*:}; workdir=$3; pin=$4; softhsm=$5; shift 5
  mount --bind "$root" "$root" && mount -o remount,bind,ro "$root"
  mount -t proc proc "$root/proc"
  for d in tmp var/lib/meerkat var/lib/softhsm/tokens; do mount -t tmpfs -o mode=1777 tmpfs "$root/$d"; done
  if [ "$softhsm" = true ]; then
    unshare -R "$root" -S "$uid" -G "$gid" /usr/bin/softhsm2-util --module /usr/lib/softhsm/libsofthsm2.so \
      --init-token --free --label meerkat-smoke --pin "$pin" --so-pin "$pin" >/dev/null || exit 1
  fi
  exec unshare -R "$root" -w "$workdir" -S "$uid" -G "$gid" "$@"' \
  sh "$work/root" "$user" "$workdir" "$pin" "$softhsm" "${entrypoint[@]}" > "$work/service.log" 2>&1 &
pid=$!

ready=""
for _ in $(seq 1 360); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  ready=$(curl -fsS "${curl_tls[@]}" "$scheme://localhost:$port/q/health/ready" 2>/dev/null || true)
  [ -n "$ready" ] && break
  sleep 0.5
done
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
if [[ "$ready" != *'"status": "UP"'* && "$ready" != *'"status":"UP"'* ]]; then
  echo "smoke-test: FAILED, the service did not become ready; its log:" >&2
  tail -40 "$work/service.log" >&2
  exit 1
fi
started=$(curl -fsS "${curl_tls[@]}" "$scheme://localhost:$port/q/health/started")
live=$(curl -fsS "${curl_tls[@]}" "$scheme://localhost:$port/q/health/live")
signing=false
compgen -G "$work/root/deployments/app/signing-service-*.jar" >/dev/null && signing=true
if $signing; then
  # The signing service's own check: make a key in its default backend and sign a digest with it.
  b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
  now=$(date +%s)
  claims="{\"iss\":\"meerkat\",\"upn\":\"smoke\",\"sub\":\"smoke\",\"groups\":[\"admin\",\"release-engineer\"],\"iat\":$now,\"exp\":$((now + 600))}"
  unsigned="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$claims" | b64url)"
  token="$unsigned.$(printf '%s' "$unsigned" | openssl dgst -sha256 -sign "$work/jwt.key" | b64url)"
  api() { curl -sS "${curl_tls[@]}" -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' "$scheme://localhost:$port/api/v1/$1" -d "$2"; }
  backend=software
  $softhsm && backend=pkcs11
  created=$(api keys "{\"id\":\"smoke-fw\",\"type\":\"ecdsa-p256\",\"purpose\":\"firmware-signing\",\"production\":false,\"backend\":\"$backend\"}")
  signed=$(api sign/digest "{\"keyId\":\"smoke-fw\",\"algorithm\":\"sha256\",\"digest\":\"$(printf smoke | openssl dgst -sha256 -r | cut -c1-64)\"}")
  if [[ "$created" != 20? || "$signed" != 200 ]] || ! grep -q '"state":"signed"' "$work/answer.json"; then
    echo "smoke-test: FAILED, key creation answered $created, signing $signed: $(cat "$work/answer.json")" >&2
    tail -20 "$work/service.log" >&2
    exit 1
  fi
fi
fleet=false
compgen -G "$work/root/deployments/app/fleet-service-*.jar" >/dev/null && fleet=true
if $fleet; then
  # The fleet service's own check: an operator registers a device, a viewer lists it.
  b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
  now=$(date +%s)
  token_for() {
    local claims="{\"iss\":\"meerkat\",\"upn\":\"smoke\",\"sub\":\"smoke\",\"groups\":[\"$1\"],\"iat\":$now,\"exp\":$((now + 600))}"
    local unsigned
    unsigned="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$claims" | b64url)"
    echo "$unsigned.$(printf '%s' "$unsigned" | openssl dgst -sha256 -sign "$work/jwt.key" | b64url)"
  }
  registered=$(curl -sS "${curl_tls[@]}" -o "$work/answer.json" -w '%{http_code}' -H "Authorization: Bearer $(token_for operator)" \
    -H 'Content-Type: application/json' "$scheme://localhost:$port/api/v1/devices" \
    -d '{"id":"smoke-1","token":"smoke-device-token-0123456789","attributes":{"platform":"meerkat-sim"}}')
  listed=$(curl -sS "${curl_tls[@]}" -o "$work/list.json" -w '%{http_code}' -H "Authorization: Bearer $(token_for viewer)" \
    "$scheme://localhost:$port/api/v1/devices")
  if [[ "$registered" != 201 || "$listed" != 200 ]] || ! grep -q '"smoke-1"' "$work/list.json"; then
    echo "smoke-test: FAILED, device registration answered $registered, listing $listed: $(cat "$work/answer.json" "$work/list.json")" >&2
    tail -20 "$work/service.log" >&2
    exit 1
  fi
fi
if [ -n "$pg" ] && ! grep -q 'Database: jdbc:postgresql://127.0.0.1' "$work/service.log"; then
  echo "smoke-test: FAILED, the service did not migrate the PostgreSQL database of the ConfigMap's URL" >&2
  exit 1
fi
if $softhsm && ! grep -q 'PKCS#11 token: /usr/lib/softhsm/libsofthsm2.so' "$work/service.log"; then
  echo "smoke-test: FAILED, the service did not open the SoftHSM2 token; its log:" >&2
  tail -40 "$work/service.log" >&2
  exit 1
fi
echo "smoke-test: ready in ${elapsed} ms ($scheme, $database) on a read-only root as $user; started and live answer: $(tr -d ' \n' <<< "$started" | head -c 60)… $(tr -d ' \n' <<< "$live" | head -c 40)…"
if $signing; then
  echo "smoke-test: an ecdsa-p256 key made in the $backend backend$($softhsm && echo ' (SoftHSM2 from the image)') signed a digest"
fi
if $fleet; then
  echo "smoke-test: a device registered by an operator was listed for a viewer (releases in a directory, MQTT off: no bucket or broker here)"
fi
echo "smoke-test: 1 passed, 0 failed"
