#!/usr/bin/env node
// Usage: node bin/check.mjs DIR|FILE...  Renders each Kustomize directory (or reads a manifest
// file), validates every object against the Kubernetes v1.36 schemas (unknown fields refused)
// and checks Meerkat's policies. Exit 0 when all is clean, 1 on findings, 2 on usage errors.
import { check } from "../lib/check.mjs";
import { kubectlVersion } from "../lib/kubectl.mjs";
import { POLICIES } from "../lib/policies.mjs";

const args = process.argv.slice(2);
if (args.length === 0 || args.includes("--help")) {
  console.log("usage: node bin/check.mjs DIR|FILE...\n\nPolicies:");
  for (const p of POLICIES) console.log(`  ${p.id.padEnd(22)} ${p.demands}`);
  process.exit(args.length === 0 ? 2 : 0);
}
console.log(kubectlVersion().split("\n")[0] + "; schemas: Kubernetes v1.36 (kubernetes-models 5.1.0)");
let findings = 0;
for (const path of args) {
  let result;
  try {
    result = await check(path);
  } catch (e) {
    console.log(`${path}: cannot render: ${e.message.split("\n")[0]}`);
    findings++;
    continue;
  }
  console.log(`${path}: ${result.objects.length} objects, ${result.schema.length} schema problems, ${result.policy.length} policy findings`);
  for (const f of result.schema) console.log(`  schema  ${f.object}: ${f.message}`);
  for (const f of result.policy) console.log(`  ${f.policy}  ${f.object}: ${f.message}`);
  findings += result.schema.length + result.policy.length;
}
process.exit(findings === 0 ? 0 : 1);
