#!/usr/bin/env bash
# Runs Meerkat's whole test suite on a fresh Debian machine: installs what the tests need
# (JDK 17, Maven, and the Debian packages of the real servers the tests start on 127.0.0.1),
# then runs `mvn -B verify`. Extra arguments go to Maven (e.g. ./test.sh -pl image-format).
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests use; the tests start and stop the servers themselves (npm packages are
# installed by the tests that use them, with `npm ci` from committed lock files).
DEBIAN_PACKAGES=(openssl postgresql softhsm2 opensc mosquitto mosquitto-clients nginx curl swupdate chromium)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "test.sh: need root to run: $*" >&2; exit 3; fi
}

missing=()
command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# k8s/ checks its manifests with Node (npm packages are installed by its own build).
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d ../shared/vectors ]; then
  echo "test.sh: ../shared/vectors is missing: the reference vectors must sit beside the repository" >&2
  exit 3
fi

exec mvn -B -ntp verify "$@"
