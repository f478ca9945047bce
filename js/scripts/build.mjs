// Bundle js/src/index.ts into automl_nb/widget/static/studio.js (ESM, minified, es2020). The
// stylesheet (src/studio.css) is inlined: the bundle injects it once, scoped under
// .automl-nb-studio; the kernel sends no `_css` and the static HTML has its own inline styles.
//
//   node scripts/build.mjs                 build into automl_nb/widget/static/
//   node scripts/build.mjs --check         build in memory; exit 1 if the committed files differ
//   node scripts/build.mjs --out DIR       build into DIR (the dev harness uses js/dev/)
import * as esbuild from "esbuild";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const jsRoot = resolve(here, "..");
const staticDir = resolve(jsRoot, "../automl_nb/widget/static");

const args = process.argv.slice(2);
const check = args.includes("--check");
const outIdx = args.indexOf("--out");
const outDir = outIdx >= 0 ? resolve(process.cwd(), args[outIdx + 1]) : staticDir;

const common = {
  bundle: true,
  minify: true,
  target: "es2020",
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  write: false,
  absWorkingDir: jsRoot,
};

const js = await esbuild.build({
  ...common,
  entryPoints: ["src/index.ts"],
  format: "esm",
  loader: { ".css": "text" },
  outfile: "studio.js",
});

const outputs = {
  "studio.js": js.outputFiles[0].contents,
};

if (check) {
  let stale = [];
  for (const [name, bytes] of Object.entries(outputs)) {
    const path = join(staticDir, name);
    if (!existsSync(path) || !Buffer.from(bytes).equals(readFileSync(path))) stale.push(path);
  }
  if (stale.length) {
    console.error(`check-bundle: out of date with js/src: ${stale.join(", ")}\nrun: cd js && npm run build`);
    process.exit(1);
  }
  console.log(`check-bundle: committed bundle matches js/src (${outputs["studio.js"].length} bytes)`);
} else {
  mkdirSync(outDir, { recursive: true });
  for (const [name, bytes] of Object.entries(outputs)) {
    writeFileSync(join(outDir, name), bytes);
    console.log(`${join(outDir, name)}  ${(bytes.length / 1024).toFixed(1)} KiB`);
  }
}
