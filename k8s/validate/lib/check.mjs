// One check of a Kustomize directory (or a plain manifest file): render, schema, policies.
import { readFileSync, statSync } from "node:fs";
import { kustomize } from "./kubectl.mjs";
import { nameOf, parseManifests } from "./manifests.mjs";
import { policyFindings } from "./policies.mjs";
import { schemaProblems } from "./schema.mjs";

export function render(path) {
  const text = statSync(path).isDirectory() ? kustomize(path) : readFileSync(path, "utf8");
  return parseManifests(text, path);
}

export async function check(path) {
  const objects = render(path);
  const schema = [];
  for (const obj of objects) {
    for (const problem of await schemaProblems(obj)) schema.push({ object: nameOf(obj), message: problem });
  }
  return { path, objects, schema, policy: policyFindings(objects) };
}
