// The Mosquitto example is not only schema-checked: its mosquitto.conf and ACL, taken from the
// rendered ConfigMap, run in Debian's mosquitto with certificates made here. Devices connect with
// client certificates, see only their own mg_rpc topics, and a revoked certificate is refused.
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { check } from "../lib/check.mjs";

const dir = mkdtempSync(join(tmpdir(), "meerkat-mosquitto-"));
const file = (name) => join(dir, name);
const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
let broker;
let port;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function issue(cn) {
  openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${cn}`,
    "-keyout", `${cn}.key`, "-out", `${cn}.csr`);
  openssl("x509", "-req", "-in", `${cn}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
    "-extfile", "ext.cnf", "-extensions", cn === "localhost" ? "server" : "client", "-out", `${cn}.crt`);
}

function client(tool, cn, args, timeoutMs = 8000) {
  return spawnSync(tool, ["-h", "localhost", "-p", String(port), "--cafile", file("ca.crt"),
    "--cert", file(`${cn}.crt`), "--key", file(`${cn}.key`), "-i", `${cn}-${tool}`, "-q", "1", ...args],
  { encoding: "utf8", timeout: timeoutMs });
}

function listening() {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
    s.on("error", () => resolve(false));
  });
}

before(async () => {
  const { objects } = await check(new URL("../../examples/mosquitto", import.meta.url).pathname);
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "mqtt-broker-config").data;
  port = await freePort();
  writeFileSync(file("ext.cnf"), [
    "[server]", "subjectAltName=DNS:localhost,IP:127.0.0.1", "extendedKeyUsage=serverAuth",
    "[client]", "extendedKeyUsage=clientAuth",
    "[ca]", "default_ca=crl", "[crl]", "database=index.txt", "crlnumber=crlnumber", "default_md=sha256", "default_crl_days=1",
  ].join("\n"));
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
    "-subj", "/CN=Meerkat device CA", "-keyout", "ca.key", "-out", "ca.crt");
  for (const cn of ["localhost", "fleet-service", "dev-1", "dev-2", "dev-revoked"]) issue(cn);
  writeFileSync(file("index.txt"), "");
  writeFileSync(file("crlnumber"), "01\n");
  openssl("ca", "-config", "ext.cnf", "-revoke", "dev-revoked.crt", "-keyfile", "ca.key", "-cert", "ca.crt");
  openssl("ca", "-config", "ext.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.crt", "-out", "ca.crl");
  // The pod's paths, moved into this folder; the listener on loopback and a free port.
  const conf = config["mosquitto.conf"]
    .replaceAll("/mosquitto/tls/tls.crt", file("localhost.crt"))
    .replaceAll("/mosquitto/tls/tls.key", file("localhost.key"))
    .replaceAll("/mosquitto/tls/ca.crt", file("ca.crt"))
    .replaceAll("/mosquitto/crl/ca.crl", file("ca.crl"))
    .replaceAll("/mosquitto/config/acl", file("acl"))
    .replaceAll("/mosquitto/data/", `${dir}/`)
    .replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`);
  assert.ok(conf.includes(`listener ${port} 127.0.0.1`), "the example listens on 8883");
  writeFileSync(file("mosquitto.conf"), conf);
  writeFileSync(file("acl"), config.acl);
  // Started as root, mosquitto drops to its own user, which must read these test-only files.
  chmodSync(dir, 0o777);
  for (const f of readdirSync(dir)) chmodSync(file(f), statSync(file(f)).mode | 0o644);
  broker = spawn("mosquitto", ["-c", file("mosquitto.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  broker.stdout.on("data", (d) => { log += d; });
  broker.stderr.on("data", (d) => { log += d; });
  for (let i = 0; i < 100 && !(await listening()); i++) {
    if (broker.exitCode != null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(await listening(), `mosquitto did not start with the example configuration:\n${log}`);
});

after(async () => {
  // mosquitto writes its persistence file while it exits: remove the folder only once it is gone
  if (broker && broker.exitCode == null && broker.signalCode == null) {
    const exited = new Promise((r) => broker.once("exit", r));
    broker.kill();
    await exited;
  }
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

/** Subscribes as `subscriber`, publishes as `publisher` once the subscription stands, returns what arrived. */
async function deliver(subscriber, topic, publisher, pubTopic = topic) {
  const sub = spawn("mosquitto_sub", ["-h", "localhost", "-p", String(port), "--cafile", file("ca.crt"),
    "--cert", file(`${subscriber}.crt`), "--key", file(`${subscriber}.key`), "-i", `${subscriber}-sub`,
    "-q", "1", "-t", topic, "-C", "1", "-W", "3"], { stdio: ["ignore", "pipe", "pipe"] });
  let got = "";
  sub.stdout.on("data", (d) => { got += d; });
  await new Promise((r) => setTimeout(r, 700));
  const pub = client("mosquitto_pub", publisher, ["-t", pubTopic, "-m", "OTA.Update"]);
  assert.equal(pub.status, 0, `${publisher} could not publish: ${pub.stderr}`);
  await new Promise((r) => sub.on("close", r));
  return got.trim();
}

test("mosquitto runs the example configuration (TLS, client certificates, CRL, ACL)", () => {
  assert.equal(broker.exitCode, null);
});

test("the fleet service reaches a device on <id>/rpc", async () => {
  assert.equal(await deliver("dev-1", "dev-1/rpc", "fleet-service"), "OTA.Update");
});

test("a device cannot read another device's requests", async () => {
  assert.equal(await deliver("dev-2", "dev-1/rpc", "fleet-service"), "");
});

test("a device's OTA report reaches the fleet service, and a device cannot report for another", async () => {
  assert.equal(await deliver("fleet-service", "+/ota", "dev-1", "dev-1/ota"), "OTA.Update");
  assert.equal(await deliver("fleet-service", "+/ota", "dev-2", "dev-1/ota"), "");
});

test("a revoked device certificate is refused at the TLS handshake", () => {
  const pub = client("mosquitto_pub", "dev-revoked", ["-t", "dev-revoked/ota", "-m", "x"]);
  assert.notEqual(pub.status, 0, "the broker accepted a revoked certificate");
});
