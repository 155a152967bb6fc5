// Schema validation of rendered objects.
//
// Built-in kinds: the OpenAPI schemas of Kubernetes v1.36 as compiled by `kubernetes-models`
// 5.1.0. Those validators check types, formats, enums and required fields but let unknown fields
// through, so each object is also walked for fields the schema never looked at: the validator
// reads exactly the properties its schema defines, and enumerates the keys only of free-form maps
// (labels, resource quantities, ConfigMap data), so any key it neither read nor enumerated is a
// field Kubernetes does not know. An API server would drop such a field or refuse it
// (kubectl --validate=strict): here it is refused.
//
// Custom resources: a JSON schema kept in schemas/ (see schemas/README.md), compiled with ajv.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";

const customSchemas = new Map([
  ["postgresql.cnpg.io/v1/Cluster", "../schemas/cnpg-cluster-v1.json"],
]);

const builtInCache = new Map();
const ajv = new Ajv({ allErrors: true, strict: true });
const customCache = new Map();

async function builtInValidator(apiVersion, kind) {
  const id = `${apiVersion}/${kind}`;
  if (!builtInCache.has(id)) {
    let validate = null;
    try {
      // The package sits in this folder's node_modules (npm ci); resolving by path keeps Node 18 working.
      const modelUrl = new URL(`../node_modules/kubernetes-models/${apiVersion}/${kind}.js`, import.meta.url);
      const source = readFileSync(fileURLToPath(modelUrl), "utf8");
      const schemaFile = /from"(\.\.\/(?:\.\.\/)?_schemas\/\w+\.js)"/.exec(source);
      if (schemaFile) validate = (await import(new URL(schemaFile[1], modelUrl))).validate;
    } catch {
      validate = null;
    }
    builtInCache.set(id, validate);
  }
  return builtInCache.get(id);
}

function customValidator(apiVersion, kind) {
  const id = `${apiVersion}/${kind}`;
  if (!customSchemas.has(id)) return null;
  if (!customCache.has(id)) {
    const schema = JSON.parse(readFileSync(new URL(customSchemas.get(id), import.meta.url), "utf8"));
    customCache.set(id, ajv.compile(schema));
  }
  return customCache.get(id);
}

function describe(error) {
  const where = error.instancePath || "/";
  const p = error.params ?? {};
  switch (error.keyword) {
    case "required":
      return `${where}: missing required field "${p.missingProperty}"`;
    case "type":
      return `${where}: must be ${p.type}`;
    case "enum":
      return `${where}: must be one of ${JSON.stringify(p.allowedValues)}`;
    case "format":
      return `${where}: must be a valid ${p.format}`;
    case "additionalProperties":
      return `${where}: unknown field "${p.additionalProperty}"`;
    default:
      return `${where}: ${error.message ?? error.keyword} ${JSON.stringify(p)}`;
  }
}

/** Runs a compiled validator over a recording view of obj; returns the paths of unknown fields. */
function validateRecording(validate, obj) {
  const seen = new Map(); // object -> { read: Set, enumerated: bool, path }
  const proxies = new WeakMap();
  const view = (value, path) => {
    if (value === null || typeof value !== "object") return value;
    if (proxies.has(value)) return proxies.get(value);
    const record = { read: new Set(), enumerated: false, path };
    seen.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key !== "string") return Reflect.get(target, key, receiver);
        record.read.add(key);
        const v = Reflect.get(target, key, receiver);
        return Object.hasOwn(target, key) ? view(v, `${path}/${key}`) : v;
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const valid = validate(view(obj, ""));
  const unknown = [];
  for (const [value, record] of seen) {
    if (Array.isArray(value) || record.enumerated) continue;
    for (const key of Object.keys(value)) {
      if (!record.read.has(key)) unknown.push(`${record.path}/${key}`);
    }
  }
  return { valid, errors: validate.errors ?? [], unknown };
}

/** Problems of one object against its schema: [] when it conforms. */
export async function schemaProblems(obj) {
  if (typeof obj?.apiVersion !== "string" || typeof obj?.kind !== "string") {
    return ["object has no apiVersion/kind"];
  }
  const builtIn = await builtInValidator(obj.apiVersion, obj.kind);
  if (builtIn) {
    const { errors, unknown } = validateRecording(builtIn, obj);
    return [...errors.map(describe), ...unknown.map((path) => `${path}: unknown field`)];
  }
  const custom = customValidator(obj.apiVersion, obj.kind);
  if (custom) {
    custom(obj);
    return (custom.errors ?? []).map(describe);
  }
  return [`no schema for ${obj.apiVersion} ${obj.kind} (neither Kubernetes v1.36 nor schemas/)`];
}
