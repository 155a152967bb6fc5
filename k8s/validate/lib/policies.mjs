// Meerkat's deployment policies, as data: each has an id, what it demands, and a check over the
// whole rendered set of objects returning findings { object, message }.
import { containersOf, isLongRunning, nameOf, podSpecOf } from "./manifests.mjs";

const SENSITIVE_NAME = /(PASSWORD|PASSWD|PASSPHRASE|(^|[_.-])PIN($|[_.-])|SECRET|TOKEN|PRIVATE[_.-]?KEY|ACCESS[_.-]?KEY|CREDENTIAL)/i;
const KEY_MATERIAL = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const KEY_FILE = /\.(key|p12|pfx|jks|bcfks|keystore)$/i;
const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);
const HEALTH = { readinessProbe: "/q/health/ready", livenessProbe: "/q/health/live", startupProbe: "/q/health/started" };

const isMeerkat = (obj) => obj?.metadata?.labels?.["app.kubernetes.io/part-of"] === "meerkat";

function* workloads(objects) {
  for (const obj of objects) {
    const pod = podSpecOf(obj);
    if (pod) yield { obj, pod };
  }
}

function* containers(objects) {
  for (const { obj, pod } of workloads(objects)) {
    for (const { container, init } of containersOf(pod)) yield { obj, pod, container, init };
  }
}

const label = (container, init) => `${init ? "init container" : "container"} "${container.name}"`;

/** Tag or digest present, and the tag is not "latest". */
export function imageProblem(image) {
  if (typeof image !== "string" || image.length === 0) return "has no image";
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return null;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return `image "${image}" has no tag (that means latest)`;
  if (lastSegment.slice(colon + 1) === "latest") return `image "${image}" uses the latest tag`;
  return null;
}

function selects(selector, labels) {
  const match = selector?.matchLabels ?? {};
  if (Object.keys(match).length === 0 && !(selector?.matchExpressions?.length > 0)) return false;
  return Object.entries(match).every(([k, v]) => labels?.[k] === v);
}

export const POLICIES = [
  {
    id: "image-pinned",
    demands: "every image names a tag other than latest, or a digest",
    check(objects) {
      const out = [];
      for (const { obj, container, init } of containers(objects)) {
        const problem = imageProblem(container.image);
        if (problem) out.push({ object: obj, message: `${label(container, init)}: ${problem}` });
      }
      return out;
    },
  },
  {
    id: "resources-limited",
    demands: "every container requests and limits cpu and memory",
    check(objects) {
      const out = [];
      for (const { obj, container, init } of containers(objects)) {
        for (const kind of ["requests", "limits"]) {
          for (const resource of ["cpu", "memory"]) {
            if (container.resources?.[kind]?.[resource] == null) {
              out.push({ object: obj, message: `${label(container, init)}: no ${kind}.${resource}` });
            }
          }
        }
      }
      return out;
    },
  },
  {
    id: "probes",
    demands: "every long-running container has startup, liveness and readiness probes (Meerkat's: /q/health/*)",
    check(objects) {
      const out = [];
      for (const { obj, container, init } of containers(objects)) {
        if (init || !isLongRunning(obj)) continue;
        for (const [probe, path] of Object.entries(HEALTH)) {
          const p = container[probe];
          if (p == null) {
            out.push({ object: obj, message: `${label(container, init)}: no ${probe}` });
          } else if (isMeerkat(obj) && p.httpGet?.path !== path) {
            out.push({ object: obj, message: `${label(container, init)}: ${probe} must GET ${path}` });
          }
        }
      }
      return out;
    },
  },
  {
    id: "no-privilege",
    demands: "no privileged containers, no privilege escalation, all capabilities dropped, no host namespaces or host paths",
    check(objects) {
      const out = [];
      for (const { obj, pod } of workloads(objects)) {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
          if (pod[field] === true) out.push({ object: obj, message: `pod uses ${field}` });
        }
        for (const volume of pod.volumes ?? []) {
          if (volume.hostPath) out.push({ object: obj, message: `volume "${volume.name}" is a hostPath` });
        }
        for (const { container, init } of containersOf(pod)) {
          const sc = container.securityContext ?? {};
          if (sc.privileged === true) out.push({ object: obj, message: `${label(container, init)} is privileged` });
          if (sc.allowPrivilegeEscalation !== false) {
            out.push({ object: obj, message: `${label(container, init)}: allowPrivilegeEscalation is not false` });
          }
          if (!(sc.capabilities?.drop ?? []).includes("ALL")) {
            out.push({ object: obj, message: `${label(container, init)}: capabilities do not drop ALL` });
          }
          if ((sc.capabilities?.add ?? []).length > 0) {
            out.push({ object: obj, message: `${label(container, init)}: adds capabilities ${sc.capabilities.add}` });
          }
        }
      }
      return out;
    },
  },
  {
    id: "non-root",
    demands: "runAsNonRoot, never uid 0, read-only root filesystem, seccomp RuntimeDefault",
    check(objects) {
      const out = [];
      for (const { obj, pod } of workloads(objects)) {
        const podSc = pod.securityContext ?? {};
        for (const { container, init } of containersOf(pod)) {
          const sc = container.securityContext ?? {};
          if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) {
            out.push({ object: obj, message: `${label(container, init)}: runAsNonRoot is not true` });
          }
          if ((sc.runAsUser ?? podSc.runAsUser) === 0) {
            out.push({ object: obj, message: `${label(container, init)}: runs as uid 0` });
          }
          if (sc.readOnlyRootFilesystem !== true) {
            out.push({ object: obj, message: `${label(container, init)}: root filesystem is writable` });
          }
          const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
          if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
            out.push({ object: obj, message: `${label(container, init)}: no RuntimeDefault seccomp profile` });
          }
        }
      }
      return out;
    },
  },
  {
    id: "secrets-from-secrets",
    demands: "passwords, PINs, tokens and keys reach pods only from Secrets; no ConfigMap or literal holds one; no Secret values in the manifests",
    check(objects) {
      const out = [];
      for (const { obj, container, init } of containers(objects)) {
        for (const env of container.env ?? []) {
          const sensitive = SENSITIVE_NAME.test(env.name);
          if (sensitive && env.valueFrom?.secretKeyRef == null) {
            const from = env.value != null ? "a literal value" : env.valueFrom?.configMapKeyRef ? "a ConfigMap" : "no Secret";
            out.push({ object: obj, message: `${label(container, init)}: ${env.name} comes from ${from}, not a Secret` });
          }
          if (typeof env.value === "string" && KEY_MATERIAL.test(env.value)) {
            out.push({ object: obj, message: `${label(container, init)}: ${env.name} holds a private key` });
          }
        }
      }
      for (const obj of objects) {
        if (obj.kind === "ConfigMap") {
          for (const [key, value] of Object.entries({ ...obj.data, ...obj.binaryData })) {
            if (SENSITIVE_NAME.test(key) || KEY_FILE.test(key)) {
              out.push({ object: obj, message: `key ${key} belongs in a Secret` });
            }
            if (typeof value === "string" && KEY_MATERIAL.test(value)) {
              out.push({ object: obj, message: `key ${key} holds a private key` });
            }
          }
        }
        if (obj.kind === "Secret" && (Object.keys(obj.data ?? {}).length > 0 || Object.keys(obj.stringData ?? {}).length > 0)) {
          out.push({ object: obj, message: "Secret values are committed in the manifests; create them in the cluster instead" });
        }
      }
      return out;
    },
  },
  {
    id: "no-api-access",
    demands: "no service account token in pods, automount off on ServiceAccounts, no RBAC objects",
    check(objects) {
      const out = [];
      for (const { obj, pod } of workloads(objects)) {
        if (pod.automountServiceAccountToken !== false) {
          out.push({ object: obj, message: "pod does not set automountServiceAccountToken: false" });
        }
      }
      for (const obj of objects) {
        if (obj.kind === "ServiceAccount" && obj.automountServiceAccountToken !== false) {
          out.push({ object: obj, message: "automountServiceAccountToken is not false" });
        }
        if (RBAC_KINDS.has(obj.kind)) out.push({ object: obj, message: `${obj.kind} grants API access` });
      }
      return out;
    },
  },
  {
    id: "highly-available",
    demands: "Meerkat Deployments: at least 2 replicas, a PodDisruptionBudget and an Ingress+Egress NetworkPolicy",
    check(objects) {
      const out = [];
      for (const obj of objects) {
        if (obj.kind !== "Deployment" || !isMeerkat(obj)) continue;
        const podLabels = obj.spec?.template?.metadata?.labels ?? {};
        const ns = obj.metadata?.namespace;
        const sameNs = (o) => o.metadata?.namespace === ns;
        const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && sameNs(o)
          && o.spec?.scaleTargetRef?.kind === "Deployment" && o.spec?.scaleTargetRef?.name === obj.metadata?.name);
        const replicas = obj.spec?.replicas ?? 1;
        if (replicas < 2) out.push({ object: obj, message: `replicas is ${replicas}, needs at least 2` });
        if (hpa && (hpa.spec?.minReplicas ?? 1) < 2) {
          out.push({ object: obj, message: `its HorizontalPodAutoscaler allows ${hpa.spec?.minReplicas ?? 1} replica` });
        }
        if (!objects.some((o) => o.kind === "PodDisruptionBudget" && sameNs(o) && selects(o.spec?.selector, podLabels))) {
          out.push({ object: obj, message: "no PodDisruptionBudget selects its pods" });
        }
        const policy = objects.find((o) => o.kind === "NetworkPolicy" && sameNs(o) && selects(o.spec?.podSelector, podLabels));
        if (!policy) {
          out.push({ object: obj, message: "no NetworkPolicy selects its pods" });
        } else if (!["Ingress", "Egress"].every((t) => (policy.spec?.policyTypes ?? []).includes(t))) {
          out.push({ object: obj, message: `NetworkPolicy ${policy.metadata?.name} does not restrict both Ingress and Egress` });
        }
      }
      return out;
    },
  },
];

/** All findings over a rendered set, as { policy, object, message } with a printable object name. */
export function policyFindings(objects) {
  return POLICIES.flatMap((policy) =>
    policy.check(objects).map((f) => ({ policy: policy.id, object: nameOf(f.object), message: f.message })));
}
