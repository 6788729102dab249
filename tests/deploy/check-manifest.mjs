// Checks Kubernetes manifests offline, as `kubeconform -strict` would with a cluster's schemas:
// 1. every field's type, enum and format against the Kubernetes API's OpenAPI schemas (kubernetes-models' validators);
// 2. no unknown field at any depth (which those validators allow): each object is type-checked by the TypeScript
//    compiler as an object literal of its kubernetes-types type, and excess-property checks name any field the API
//    does not have.
// Usage: node check-manifest.mjs FILE.yaml...   Exits 1 naming the file and the field when a check fails.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// apiVersion/kind -> kubernetes-models module and kubernetes-types import. Only the kinds deploy/ uses.
const kinds = {
  "batch/v1/Job": { model: "kubernetes-models/batch/v1/Job", types: "kubernetes-types/batch/v1", type: "Job" },
};

const generated = join(here, ".generated");
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated);
let failed = false;
const tsFiles = [];
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  docs.forEach((doc, i) => {
    const where = `${file} (document ${i + 1})`;
    if (doc.errors.length > 0) { console.error(`${where}: YAML: ${doc.errors[0].message}`); failed = true; return; }
    const obj = doc.toJS();
    const key = `${obj?.apiVersion}/${obj?.kind}`;
    const kind = kinds[key];
    if (!kind) { console.error(`${where}: no schema here for ${key}`); failed = true; return; }
    const Model = require(kind.model)[kind.type];
    try {
      new Model(obj).validate();
    } catch (e) {
      console.error(`${where}: ${e.message}`);
      failed = true;
    }
    const ts = join(generated, `${basename(file).replace(/\W/g, "_")}_${i}.ts`);
    writeFileSync(ts, `import type { ${kind.type} } from "${kind.types}";\nexport const manifest: ${kind.type} = ${JSON.stringify(obj, null, 2)};\n`);
    tsFiles.push({ ts, where });
  });
}
if (tsFiles.length > 0) {
  try {
    execFileSync(join(here, "node_modules", ".bin", "tsc"), ["--noEmit", "--strict", "--skipLibCheck", ...tsFiles.map(f => f.ts)], { cwd: here, encoding: "utf8" });
  } catch (e) {
    const out = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    for (const { ts, where } of tsFiles)
      for (const line of out.split("\n").filter(l => l.includes(basename(ts)))) console.error(`${where}: ${line.replace(/^.*?\.ts\(\d+,\d+\): /, "")}`);
    if (!tsFiles.some(({ ts }) => out.includes(basename(ts)))) console.error(out || String(e));
    failed = true;
  }
}
if (failed) process.exit(1);
console.log(`Kubernetes schemas (kubernetes-models, no unknown fields via kubernetes-types ${require("kubernetes-types/package.json").version}): ${process.argv.slice(2).join(", ")} ok`);
