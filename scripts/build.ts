/**
 * `npm run build`: bundles each process's entry file into dist/ (dist/api.js, dist/worker.js, dist/beat.js) with
 * esbuild, so production runs plain JavaScript: no TypeScript loader thread (about 35 MB of RSS
 * per process) and no transpiling at start-up. The workspace package @switchyard/core and the generated Prisma
 * client are bundled in; every other package stays an import of node_modules, resolved from the repository root as
 * before (Prisma's query compiler, swagger-ui-dist, preact, ...). The dashboard's static files are copied beside the
 * bundle (dist/public), where the bundled mount-dashboard.ts looks for them. Source maps: run with
 * --enable-source-maps so stack traces name the .ts files.
 */
import { cp, readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = join(import.meta.dirname, "..");
const OUT_DIR = join(ROOT, "dist");

const ENTRIES = {
  api: "apps/api/src/main.ts",
  worker: "apps/worker/src/main.ts",
  beat: "apps/beat/src/main.ts",
} as const;

/** Bare imports stay external, except the workspace's own packages (TypeScript sources, bundled). */
const externalPackages: Plugin = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@switchyard/") ? undefined : { path: args.path, external: true },
    );
  },
};

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: OUT_DIR,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // No keepNames: it wraps every function and class created at run time in a helper call (about 3% of the
  // worker's CPU). Error classes name themselves (`override name`); nothing reads a function's inferred name.
  keepNames: false,
  sourcemap: "linked",
  // Stack traces need the mappings only: the sources themselves would sit in every process's memory.
  sourcesContent: false,
  // A dynamic import() stays lazy: the module and the packages it imports load on first use. Chunks sit beside
  // the entries, so import.meta.url names dist/ in every module.
  splitting: true,
  chunkNames: "[name]-[hash]",
  plugins: [externalPackages],
  logLevel: "warning",
  metafile: true,
});
// Files are overwritten in place, not deleted first: a process starting from dist/ meanwhile (`make api` and
// `make worker` side by side) finds the same files. Only what this build did not write goes: older chunks.
const written = new Set(Object.keys(result.metafile.outputs).map((path) => relative("dist", path)));
for (const name of await readdir(OUT_DIR)) {
  if (/\.js(\.map)?$/.test(name) && !written.has(name)) await rm(join(OUT_DIR, name));
}
await cp(join(ROOT, "apps/api/src/routes/admin/public"), join(OUT_DIR, "public"), { recursive: true });
process.stdout.write(
  `build: ${Object.keys(ENTRIES)
    .map((name) => `dist/${name}.js`)
    .join(", ")}\n`,
);
