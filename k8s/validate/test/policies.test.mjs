// Each policy is shown to fire on a deliberately bad fixture, and only that policy fires there.
import assert from "node:assert/strict";
import { test } from "node:test";
import { check } from "../lib/check.mjs";
import { imageProblem, policyFindings, POLICIES } from "../lib/policies.mjs";

const fixture = (name) => new URL(`fixtures/${name}`, import.meta.url).pathname;

const BAD = [
  ["bad-latest-tag.yaml", "image-pinned"],
  ["bad-untagged-image.yaml", "image-pinned"],
  ["bad-no-limits.yaml", "resources-limited"],
  ["bad-no-probes.yaml", "probes"],
  ["bad-privileged.yaml", "no-privilege"],
  ["bad-root.yaml", "non-root"],
  ["bad-password-literal.yaml", "secrets-from-secrets"],
  ["bad-password-in-configmap.yaml", "secrets-from-secrets"],
  ["bad-api-access.yaml", "no-api-access"],
  ["bad-single-replica.yaml", "highly-available"],
];

test("the good fixture passes the schemas and every policy", async () => {
  const result = await check(fixture("good.yaml"));
  assert.deepEqual(result.schema, []);
  assert.deepEqual(result.policy, []);
});

for (const [file, policy] of BAD) {
  test(`${file} fails policy ${policy} and no other`, async () => {
    const result = await check(fixture(file));
    assert.deepEqual(result.schema, [], "bad fixtures are schema-valid: only the policy is broken");
    assert.ok(result.policy.length > 0, `${policy} did not fire`);
    assert.deepEqual([...new Set(result.policy.map((f) => f.policy))], [policy]);
  });
}

test("every policy has a bad fixture that makes it fail", () => {
  const covered = new Set(BAD.map(([, policy]) => policy));
  for (const p of POLICIES) assert.ok(covered.has(p.id), `policy ${p.id} has no failing fixture`);
});

test("image references: tag or digest required, latest refused", () => {
  assert.equal(imageProblem("registry.example.com:5000/meerkat/signing-service:0.1.0"), null);
  assert.equal(imageProblem(`eclipse-mosquitto@sha256:${"a".repeat(64)}`), null);
  assert.match(imageProblem("registry.example.com:5000/meerkat/signing-service"), /no tag/);
  assert.match(imageProblem("eclipse-mosquitto:latest"), /latest/);
});

test("key files and private keys in a ConfigMap are refused, certificates and CRLs are not", () => {
  const cm = (data) => [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data }];
  assert.equal(policyFindings(cm({ "tls.key": "x" })).length, 1);
  assert.equal(policyFindings(cm({ "keys.bcfks": "x" })).length, 1);
  assert.equal(policyFindings(cm({ "note.txt": "-----BEGIN EC PRIVATE KEY-----\n..." })).length, 1);
  assert.deepEqual(policyFindings(cm({ "ca.crt": "-----BEGIN CERTIFICATE-----", "ca.crl": "x", "roles.properties": "ci=a" })), []);
});
