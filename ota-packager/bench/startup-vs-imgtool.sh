#!/usr/bin/env bash
# Whole-process wall time of `./meerkat sign|verify` against MCUboot's imgtool on the same key and payloads:
# 64 KiB and 32 MiB, ECDSA P-256. Medians of interleaved hyperfine rounds ("steady"), plus the first run after
# a build ("cold": the first ./meerkat call after `mvn package`, the first imgtool call with no __pycache__).
#
#   IMGTOOL="python3 /path/to/mcuboot/scripts/imgtool.py" ota-packager/bench/startup-vs-imgtool.sh [ROUNDS]
#
# Needs hyperfine (Debian package) and an imgtool you provide (with python3-cryptography, -click,
# -intelhex, -cbor2); nothing is downloaded. Results: a table on stdout, raw JSON in $OUT (default a temp dir).
set -euo pipefail
: "${IMGTOOL:?set IMGTOOL to the imgtool command, e.g. IMGTOOL=\"python3 mcuboot/scripts/imgtool.py\"}"
command -v hyperfine >/dev/null || { echo "needs hyperfine: apt-get install -y hyperfine" >&2; exit 3; }
root="$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)"
rounds="${1:-5}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
cd "$out"
head -c 65536 /dev/urandom > app64k.bin
head -c 33554432 /dev/urandom > app32m.bin

m="$root/meerkat"
(cd "$root" && mvn -q -B -ntp -pl ota-packager -am package -DskipTests) >&2
"$m" keygen -t ecdsa-p256 -k key.pem >/dev/null
# The first imgtool call compiles its modules to __pycache__; remove them so its cold run is a first run too.
imgtool_dir="$(dirname "$(echo "$IMGTOOL" | awk '{print $NF}')")"
find "$imgtool_dir" -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

args="-k key.pem -H 0x200 --pad-header -v 1.2.3 -S 0x4000000"
declare -A cmd
cmd[m_sign_64k]="$m sign $args -q app64k.bin m64k.img"
cmd[i_sign_64k]="$IMGTOOL sign $args app64k.bin i64k.img"
cmd[m_sign_32m]="$m sign $args -q app32m.bin m32m.img"
cmd[i_sign_32m]="$IMGTOOL sign $args app32m.bin i32m.img"
cmd[m_verify_64k]="$m verify -k key.pem m64k.img"
cmd[i_verify_64k]="$IMGTOOL verify -k key.pem i64k.img"
cmd[m_verify_32m]="$m verify -k key.pem m32m.img"
cmd[i_verify_32m]="$IMGTOOL verify -k key.pem i32m.img"
ops="sign_64k verify_64k sign_32m verify_32m"

# Cold: one run each, in order (sign writes the images verify reads).
for op in $ops; do
  for t in m i; do
    hyperfine -N -r 1 --export-json "cold_${t}_${op}.json" "${cmd[${t}_${op}]}" >/dev/null 2>&1 \
      || hyperfine -r 1 --export-json "cold_${t}_${op}.json" "${cmd[${t}_${op}]}" >/dev/null
  done
done
# Steady: rounds of 3 runs (1 warm-up) per tool, the tools interleaved round by round.
for r in $(seq 1 "$rounds"); do
  for op in $ops; do
    hyperfine -N -w 1 -r 3 --export-json "steady_${r}_${op}.json" "${cmd[m_${op}]}" "${cmd[i_${op}]}" >/dev/null
  done
done

/usr/bin/python3 - "$out" $ops <<'PY'
import json, statistics, sys, glob, os
out, ops = sys.argv[1], sys.argv[2:]
print("wall time: cold = first run after the build, steady = median of interleaved rounds; CPU = user+sys")
print(f"{'operation':<11} {'cold m':>7} {'cold i':>7} {'ratio':>6} | {'wall m':>7} {'wall i':>7} {'ratio':>6} | {'CPU m':>6} {'CPU i':>6} {'ratio':>6}")
for op in ops:
    cold = [json.load(open(os.path.join(out, f"cold_{t}_{op}.json")))["results"][0]["times"][0] for t in "mi"]
    m, i, cm, ci = [], [], [], []
    for f in sorted(glob.glob(os.path.join(out, f"steady_*_{op}.json"))):
        res = json.load(open(f))["results"]
        m += res[0]["times"]; i += res[1]["times"]
        cm.append(res[0]["user"] + res[0]["system"]); ci.append(res[1]["user"] + res[1]["system"])
    mm, im, cpm, cpi = statistics.median(m), statistics.median(i), statistics.median(cm), statistics.median(ci)
    print(f"{op:<11} {cold[0]:>7.3f} {cold[1]:>7.3f} {cold[0]/cold[1]:>6.2f} | {mm:>7.3f} {im:>7.3f} {mm/im:>6.2f} |"
          f" {cpm:>6.3f} {cpi:>6.3f} {cpm/cpi:>6.2f}   n={len(m)}")
PY
echo "raw results: $out" >&2
