#!/usr/bin/env bash
# The fleet-service benchmarks of BENCHMARKS.md in one run: the direct-path reference, (a) emulated
# boards through fleet-service and Mosquitto, (b) lightweight MQTT devices on PostgreSQL with one
# replica, (c) the same with two. Needs what the tests need (PostgreSQL, Mosquitto: ./test.sh installs
# them). Sizes: BOARDS (default 1000), LIGHT (default 10000); CAP: give up on a deployment after CAP s (600);
# REPLICA_JVM: extra JVM options for the service replicas (e.g. a flight recording); PG_OPTIONS: extra
# server options for PostgreSQL (e.g. "-c shared_preload_libraries=pg_stat_statements": the statements
# it spent most time in, per rollout). Results: fleet-service/target/fleet-bench.md
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cd "$root"
mvn -B -ntp -pl fleet-service -am verify \
  -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FleetBenchmark -Dfailsafe.failIfNoSpecifiedTests=false \
  -Dbench.boards="${BOARDS:-1000}" -Dbench.light="${LIGHT:-10000}" -Dbench.cap-seconds="${CAP:-600}" \
  -Dbench.replica-jvm="${REPLICA_JVM:-}" -Dbench.pg-options="${PG_OPTIONS:-}"
cat fleet-service/target/fleet-bench.md
