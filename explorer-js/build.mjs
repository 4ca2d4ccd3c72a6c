// Builds graphs/static/explorer.min.js (one minified IIFE: sigma.js, graphology and src/explorer.js)
// and copies the licences of what it bundles next to it. Run: npm ci && npm run build
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

// GOVLINKS_BUNDLE_OUT: build elsewhere (tests/test_explorer.py compares a fresh build with the shipped one).
const OUT = process.env.GOVLINKS_BUNDLE_OUT || "../graphs/static";
// Every package that ends up in the bundle (esbuild's metafile below checks that none is missing).
const BUNDLED = ["sigma", "graphology", "graphology-utils", "events"];
const LICENCE_FILES = { sigma: "LICENSE.txt", graphology: "LICENSE.txt", "graphology-utils": "LICENSE.txt", events: "LICENSE" };

const meta = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
const versions = BUNDLED.map((name) => `${name} ${meta(name).version}`).join(", ");

const result = await build({
  entryPoints: ["src/explorer.js"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  charset: "ascii",
  legalComments: "none",
  metafile: true,
  banner: { js: `/*! govlinks network explorer | bundles ${versions} (MIT licences: licenses/) */` },
  outfile: `${OUT}/explorer.min.js`,
});

const inputs = Object.keys(result.metafile.inputs);
for (const path of inputs) {
  const m = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m && !BUNDLED.includes(m[1])) throw new Error(`bundled package ${m[1]} has no licence entry in build.mjs`);
}
mkdirSync(`${OUT}/licenses`, { recursive: true });
for (const name of BUNDLED) copyFileSync(`node_modules/${name}/${LICENCE_FILES[name]}`, `${OUT}/licenses/${name}.txt`);

const text = readFileSync(`${OUT}/explorer.min.js`, "utf8");
const lowered = text.toLowerCase();
if (lowered.includes("</script") || lowered.includes("<!--")) throw new Error("the bundle cannot be inlined in <script>");
for (const word of ["eval(", "new Function"]) if (text.includes(word)) throw new Error(`the bundle uses ${word}`);
const sha = createHash("sha256").update(text.replace(/\n+$/, "")).digest("base64");
writeFileSync(`${OUT}/explorer.min.js.sha256`, `sha256-${sha}\n`);
console.log(`${OUT}/explorer.min.js: ${text.length} bytes, ${inputs.length} modules, sha256-${sha}`);
console.log(`bundled: ${versions}`);
