import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll } from 'vitest';

/**
 * The CLI's entry point as one plain-JavaScript file, built with esbuild (the compiler tsx
 * itself runs) once per test file, so each spawn is `node bundle.mjs` instead of tsx loading
 * and resolving ~900 modules again: a spawn costs a quarter of the CPU. The bin's own path
 * through tsx keeps its test in usage.test.ts.
 */
export function cliBundle(main: string): Promise<string> {
  bundle ??= buildBundle(main);
  return bundle;
}

let bundle: Promise<string> | undefined;
let outDir: string | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function buildBundle(main: string): Promise<string> {
  outDir = await mkdtemp(join(tmpdir(), 'tf-cli-bundle-'));
  const outfile = join(outDir, 'main.mjs');
  await build({
    entryPoints: [main],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // Bundled CommonJS (commander, ioredis, ...) still calls require() for node's modules.
    banner: {
      js: "import { createRequire as __tfCreateRequire } from 'node:module'; const require = __tfCreateRequire(import.meta.url);",
    },
    plugins: [keepOwnUrls, loadInPlace(['@prisma/', 'pg'])],
  });
  return outfile;
}

/**
 * The workspace's modules find files next to themselves (the queue's Lua scripts, the
 * repository root) through import.meta.url: each keeps its own file's URL, not the bundle's.
 */
const keepOwnUrls: Plugin = {
  name: 'keep-own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes('/node_modules/')) return undefined;
      const source = await readFile(path, 'utf8');
      const url = JSON.stringify(pathToFileURL(path).href);
      return { contents: source.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/**
 * Packages that load files of their own at run time (Prisma's generated runtime and its
 * query compiler, pg's native fallbacks) stay outside the bundle, imported from where the
 * workspace resolves them.
 */
function loadInPlace(prefixes: readonly string[]): Plugin {
  const matches = (id: string) =>
    prefixes.some((p) => id === p || id.startsWith(p.endsWith('/') ? p : `${p}/`));
  return {
    name: 'load-in-place',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'in-place' || !matches(args.path)) return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'in-place',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, external: true };
      });
    },
  };
}
