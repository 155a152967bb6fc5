// The real manifests: every Kustomize root renders with kubectl 1.33, every object conforms to
// its schema, no policy finding, and the shapes docs/k8s.md promises are there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { check } from "../lib/check.mjs";
import { kubectlVersion } from "../lib/kubectl.mjs";

const k8s = (path) => new URL(`../../${path}`, import.meta.url).pathname;
const ROOTS = ["base", "overlays/example", "overlays/production", "examples/cloudnative-pg", "examples/mosquitto"];
const results = new Map();
const rendered = async (root) => {
  if (!results.has(root)) results.set(root, await check(k8s(root)));
  return results.get(root);
};
const find = (objects, kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);

test("kubectl from the npm layer is 1.33", () => {
  assert.match(kubectlVersion(), /Client Version: v1\.33\./);
});

for (const root of ROOTS) {
  test(`${root}: renders; every object matches its schema; no policy finding`, async () => {
    const result = await rendered(root);
    assert.ok(result.objects.length > 0);
    assert.deepEqual(result.schema, []);
    assert.deepEqual(result.policy, []);
  });
}

for (const root of ["overlays/example", "overlays/production"]) {
  test(`${root}: both services, an HPA for fleet-service, TLS on every Ingress`, async () => {
    const { objects } = await rendered(root);
    for (const name of ["signing-service", "fleet-service"]) {
      const deployment = find(objects, "Deployment", name);
      assert.ok(deployment.spec.replicas >= 2, `${name} replicas`);
      assert.equal(find(objects, "ServiceAccount", name).automountServiceAccountToken, false);
      assert.ok(find(objects, "PodDisruptionBudget", name), `${name} PDB`);
      assert.ok(find(objects, "NetworkPolicy", name), `${name} NetworkPolicy`);
    }
    const hpa = find(objects, "HorizontalPodAutoscaler", "fleet-service");
    assert.equal(hpa.spec.scaleTargetRef.name, "fleet-service");
    assert.ok(hpa.spec.minReplicas >= 2);
    const ingresses = objects.filter((o) => o.kind === "Ingress");
    assert.equal(ingresses.length, 2);
    for (const ingress of ingresses) assert.ok(ingress.spec.tls?.length > 0, `${ingress.metadata.name} TLS`);
    assert.equal(objects.filter((o) => o.kind === "Secret").length, 0, "Secrets are created in the cluster, not committed");
  });
}

test("example overlay: SoftHSM2 library from the image, token on a shared volume, CNPG and Mosquitto", async () => {
  const { objects } = await rendered("overlays/example");
  const signing = find(objects, "Deployment", "signing-service").spec.template.spec;
  const container = signing.containers[0];
  assert.match(container.image, /\/signing-service:0\.1\.0$/);
  assert.deepEqual(container.env.find((e) => e.name === "MEERKAT_PKCS11_LIBRARY"),
    { name: "MEERKAT_PKCS11_LIBRARY", value: "/usr/lib/softhsm/libsofthsm2.so" });
  assert.ok(container.volumeMounts.some((m) => m.mountPath === "/var/lib/softhsm/tokens"));
  assert.equal(find(objects, "PersistentVolumeClaim", "softhsm-tokens").spec.accessModes[0], "ReadWriteMany");
  assert.ok(find(objects, "Job", "softhsm-init-token"));
  for (const svc of ["signing", "fleet"]) {
    const cluster = find(objects, "Cluster", `${svc}-pg`);
    assert.equal(cluster.spec.bootstrap.initdb.secret.name, `${svc}-db-credentials`);
    assert.equal(cluster.spec.inheritedMetadata.labels["meerkat.dev/database-for"], `${svc}-service`);
  }
  const broker = find(objects, "Deployment", "mqtt-broker");
  assert.equal(broker.spec.template.metadata.labels["meerkat.dev/mqtt-broker"], "true");
});

test("production overlay: the HSM client library comes from an init container into /opt/hsm", async () => {
  const { objects } = await rendered("overlays/production");
  const pod = find(objects, "Deployment", "signing-service").spec.template.spec;
  assert.equal(pod.initContainers[0].name, "hsm-client");
  assert.ok(pod.initContainers[0].volumeMounts.some((m) => m.name === "hsm" && m.mountPath === "/opt/hsm"));
  assert.ok(pod.containers[0].volumeMounts.some((m) => m.name === "hsm" && m.readOnly === true));
});

test("docs/k8s.md documents every environment variable and Secret the manifests use", async () => {
  const docs = readFileSync(k8s("../docs/k8s.md"), "utf8");
  const { objects } = await rendered("overlays/example");
  const names = new Set();
  for (const cm of objects.filter((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-service-config"))) {
    for (const key of Object.keys(cm.data)) names.add(key);
  }
  for (const d of objects.filter((o) => o.kind === "Deployment" && o.metadata.labels?.["app.kubernetes.io/part-of"] === "meerkat")) {
    for (const c of d.spec.template.spec.containers) {
      for (const e of c.env ?? []) {
        names.add(e.name);
        if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
      }
    }
    for (const v of d.spec.template.spec.volumes ?? []) if (v.secret) names.add(v.secret.secretName);
  }
  const missing = [...names].filter((n) => !docs.includes(n));
  assert.deepEqual(missing, []);
});
