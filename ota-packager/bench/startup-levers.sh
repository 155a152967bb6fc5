#!/usr/bin/env bash
# What each start-up lever is worth: whole-process `verify` of a 64 KiB image with one lever off at a
# time, on the current build (run ota-packager/bench/startup-vs-imgtool.sh or `mvn package` first).
#
#   IMGTOOL="python3 /path/to/mcuboot/scripts/imgtool.py" ota-packager/bench/startup-levers.sh [RUNS]
#
# Needs hyperfine and openssl; prints a Markdown table (median wall, mean user+sys CPU).
set -euo pipefail
: "${IMGTOOL:?set IMGTOOL to the imgtool command}"
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
t="$root/ota-packager/target"
m="$root/meerkat"
work="$(mktemp -d)"
cd "$work"
head -c 65536 /dev/urandom > app.bin
"$m" keygen -t ecdsa-p256 -k key.pem >/dev/null
openssl ec -in key.pem -out key-sec1.pem 2>/dev/null
"$m" sign -k key.pem -H 0x200 --pad-header -v 1.2.3 -q app.bin app.img
java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
base="$java_home/lib/server/classes.jsa"
j="java -XX:+UseSerialGC -XX:-UsePerfData -Xlog:cds=off -Xlog:cds+dynamic=off"
cp="-cp $t/meerkat-cli-core.jar:$t/meerkat-cli.jar dev.meerkat.cli.Meerkat"
hyperfine -N -w 2 -r "${1:-15}" --export-json levers.json \
  -n "all levers (./meerkat)" "$m verify -k key.pem app.img" \
  -n "picocli parses the line (-kkey.pem)" "$m verify -kkey.pem app.img" \
  -n "key read by Bouncy Castle (SEC1 PEM)" "$m verify -k key-sec1.pem app.img" \
  -n "no application class-data archive" "$j -XX:SharedArchiveFile=$base -XX:TieredStopAtLevel=1 $cp verify -k key.pem app.img" \
  -n "+ full jar only" "$j -XX:SharedArchiveFile=$base -XX:TieredStopAtLevel=1 -cp $t/meerkat-cli.jar dev.meerkat.cli.Meerkat verify -k key.pem app.img" \
  -n "full tiered JIT" "$j -XX:SharedArchiveFile=$t/meerkat-cli.jsa $cp verify -k key.pem app.img" \
  -n "imgtool" "$IMGTOOL verify -k key.pem app.img" >/dev/null
/usr/bin/python3 - levers.json <<'PY'
import json, statistics, sys
print("| run | wall s | CPU s |\n|---|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {statistics.median(r['times']):.3f} | {r['user'] + r['system']:.3f} |")
PY
rm -rf "$work"
