#!/usr/bin/env bash
# Records what a real imgtool prints/writes for each line of commands.txt into expected/.
# Usage: IMGTOOL="python3 /path/to/mcuboot/scripts/imgtool.py" ./record.sh [path/to/shared/vectors/mcuboot]
# imgtool is not part of this repository; bring your own (MCUboot's scripts/imgtool, 2.4.0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${IMGTOOL:?set IMGTOOL to the imgtool command, e.g. IMGTOOL=\"python3 mcuboot/scripts/imgtool.py\"}"
vectors="$(cd "${1:-$here/../../../../../../shared/vectors/mcuboot}" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
rm -rf "$here/expected"; mkdir -p "$here/expected"
n=0
grep -v '^#' "$here/commands.txt" | while IFS= read -r line; do
  [ -z "$line" ] && continue
  n=$((n + 1))
  args="${line#imgtool }"; args="${args//\{V\}/$vectors}"; args="${args//\{T\}/$tmp}"
  rm -f "$tmp/out"
  # shellcheck disable=SC2086 # the command lines are split on spaces on purpose
  $IMGTOOL $args > "$tmp/stdout"
  if [ -f "$tmp/out" ]; then
    sha256sum < "$tmp/out" | cut -d' ' -f1 > "$here/expected/$n.sha256"
  else
    cp "$tmp/stdout" "$here/expected/$n.out"
  fi
done
echo "recorded $(ls "$here/expected" | wc -l) outputs"
