// The schema check refuses unknown fields, wrong types and missing required fields, for
// Kubernetes kinds and for the CloudNativePG Cluster.
import assert from "node:assert/strict";
import { test } from "node:test";
import { check } from "../lib/check.mjs";
import { schemaProblems } from "../lib/schema.mjs";

const fixture = (name) => new URL(`fixtures/${name}`, import.meta.url).pathname;
const messages = async (name) => (await check(fixture(name))).schema.map((f) => f.message);

test("an unknown container field and a string replica count are refused", async () => {
  const problems = await messages("bad-unknown-field.yaml");
  assert.ok(problems.includes("/spec/template/spec/containers/0/resourcez: unknown field"), problems.join("\n"));
  assert.ok(problems.includes("/spec/replicas: must be integer"), problems.join("\n"));
});

test("a Deployment without a selector is refused", async () => {
  assert.deepEqual(await messages("bad-missing-required.yaml"), ['/spec: missing required field "selector"']);
});

test("a CloudNativePG Cluster with a misspelt field is refused by its own schema", async () => {
  const problems = await messages("bad-cnpg-cluster.yaml");
  assert.ok(problems.includes('/spec: unknown field "instance"'), problems.join("\n"));
  assert.ok(problems.includes('/spec: missing required field "instances"'), problems.join("\n"));
});

test("free-form maps (labels, ConfigMap data, resource quantities) are not unknown fields", async () => {
  const problems = await schemaProblems({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", labels: { "any/label": "v" }, annotations: { a: "b" } },
    data: { ANY_KEY: "value" },
  });
  assert.deepEqual(problems, []);
});

test("a kind without a known schema is refused, not waved through", async () => {
  const problems = await schemaProblems({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } });
  assert.equal(problems.length, 1);
  assert.match(problems[0], /no schema for example.com\/v1 Widget/);
});
