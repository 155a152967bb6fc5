// Reading rendered manifests: YAML documents to plain objects, each with a printable name.
import { parseAllDocuments } from "yaml";

export function parseManifests(text, source) {
  const objects = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0].message}`);
    const obj = doc.toJS({ maxAliasCount: 0 });
    if (obj != null) objects.push(obj);
  }
  return objects;
}

export function nameOf(obj) {
  const ns = obj?.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj?.kind ?? "?"} ${ns}${obj?.metadata?.name ?? "?"}`;
}

/** The pod template of a workload object, or null for objects that run no pods. */
export function podSpecOf(obj) {
  switch (obj.kind) {
    case "Pod":
      return obj.spec ?? null;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return obj.spec?.template?.spec ?? null;
    case "CronJob":
      return obj.spec?.jobTemplate?.spec?.template?.spec ?? null;
    default:
      return null;
  }
}

export function isLongRunning(obj) {
  return ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"].includes(obj.kind);
}

export function containersOf(podSpec) {
  return [
    ...(podSpec.initContainers ?? []).map((c) => ({ container: c, init: true })),
    ...(podSpec.containers ?? []).map((c) => ({ container: c, init: false })),
  ];
}
