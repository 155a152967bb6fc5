#!/usr/bin/env bash
# Assembles the root filesystem that Jib layers under a Quarkus service (base image "scratch"):
# a jlink'd Java 17 runtime in /opt/java, the shared libraries it loads (taken from this Debian
# build machine), CA certificates, a passwd entry for uid 10001 and the Debian copyright files.
# With EXTRAS containing "softhsm2" it adds SoftHSM2's PKCS#11 library and softhsm2-util.
# Usage: runtime-rootfs.sh OUTPUT_DIR [EXTRAS]
set -euo pipefail
out=${1:?usage: runtime-rootfs.sh OUTPUT_DIR [EXTRAS]}
extras=${2:-}

java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
[ -x "$java_home/bin/jlink" ] || { echo "runtime-rootfs.sh: no jlink in $java_home (needs a JDK 17)" >&2; exit 3; }
[ -d "$java_home/jmods" ] || { echo "runtime-rootfs.sh: $java_home has no jmods" >&2; exit 3; }

rm -rf "$out"
mkdir -p "$out"

# Modules a Quarkus 3 service with JDBC, JWT, PKCS#11 and TLS uses at run time.
modules=java.base,java.compiler,java.datatransfer,java.desktop,java.instrument,java.logging,java.management
modules+=,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql
modules+=,java.transaction.xa,java.xml,java.xml.crypto,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.localedata
modules+=,jdk.management,jdk.naming.dns,jdk.net,jdk.unsupported,jdk.zipfs
"$java_home/bin/jlink" --add-modules "$modules" --include-locales=en --strip-debug --no-man-pages \
  --no-header-files --compress=2 --output "$out/opt/java"

# The services run headless: drop the native parts of AWT, sound and fonts (and their X11 deps).
rm -f "$out"/opt/java/lib/{libawt_xawt,libsplashscreen,libjsound,libfontmanager,liblcms,libjavajpeg}.so

binaries=("$out/opt/java/bin/java")
while IFS= read -r -d '' so; do binaries+=("$so"); done < <(find "$out/opt/java/lib" -name '*.so' -print0)
docs=(libc6 zlib1g libstdc++6 libgcc-s1 openjdk-17-jre-headless ca-certificates)
if [[ " $extras " == *" softhsm2 "* ]]; then
  install -D -m 0644 /usr/lib/softhsm/libsofthsm2.so "$out/usr/lib/softhsm/libsofthsm2.so"
  install -D -m 0755 /usr/bin/softhsm2-util "$out/usr/bin/softhsm2-util"
  binaries+=("$out/usr/lib/softhsm/libsofthsm2.so" "$out/usr/bin/softhsm2-util")
  docs+=(softhsm2 softhsm2-common libssl3)
fi

# Every shared library those files need, and the dynamic loader, as plain files (no symlinks).
for f in "${binaries[@]}"; do
  LD_LIBRARY_PATH="$out/opt/java/lib:$out/opt/java/lib/server" ldd "$f" 2>/dev/null \
    | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib/ { print $1 }'
done | grep -v "^$out/" | sort -u | while read -r lib; do
  install -D -m 0644 "$(readlink -f "$lib")" "$out$lib"
done
[ -f "$out/lib64/ld-linux-x86-64.so.2" ] || { echo "runtime-rootfs.sh: dynamic loader not found" >&2; exit 3; }
chmod 0755 "$out/lib64/ld-linux-x86-64.so.2"

if [ -f /etc/ssl/certs/java/cacerts ]; then
  install -m 0644 /etc/ssl/certs/java/cacerts "$out/opt/java/lib/security/cacerts"
fi
mkdir -p "$out/etc" "$out/tmp" "$out/proc" "$out/deployments"
printf 'root:x:0:0:root:/root:/sbin/nologin\nmeerkat:x:10001:10001:meerkat:/deployments:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\nmeerkat:x:10001:\n' > "$out/etc/group"
printf 'hosts: files dns\n' > "$out/etc/nsswitch.conf"
for pkg in "${docs[@]}"; do
  if [ -f "/usr/share/doc/$pkg/copyright" ]; then
    install -D -m 0644 "/usr/share/doc/$pkg/copyright" "$out/usr/share/doc/$pkg/copyright"
  fi
done
echo "runtime-rootfs.sh: $(du -sh "$out" | cut -f1) in $out (extras: ${extras:-none})"
