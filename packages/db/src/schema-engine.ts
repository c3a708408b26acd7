import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import { createEngineAdapter } from './engine-adapter';

export type SchemaEngine = bindings.SchemaEngine;

// The ES2023 lib has no WebAssembly types (they live in the DOM lib); this is the part used.
type WasmImports = Record<string, Record<string, unknown>>;
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: WasmImports,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let ready: Promise<void> | undefined;

/**
 * The package's own entry imports its .wasm as an ES module, which Node 20 only allows
 * behind --experimental-wasm-modules. Instantiating it here needs no flag, anywhere.
 */
function loadWasm(): Promise<void> {
  ready ??= (async () => {
    const entry = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm');
    const bytes = await readFile(join(dirname(entry), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': withUnrefTimers(bindings),
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return ready;
}

/**
 * The engine races its queries against timers it never clears; a finished command would
 * keep the process alive until they fire (10 s). Unref'd, they still fire while the process
 * has other work, and no longer hold it open.
 */
function withUnrefTimers(module: object): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...module };
  for (const [name, value] of Object.entries(imports)) {
    if (name.startsWith('__wbg_setTimeout_') && typeof value === 'function') {
      imports[name] = (...args: unknown[]) => {
        const timer = value(...args);
        timer?.unref?.();
        return timer;
      };
    }
  }
  return imports;
}

/**
 * Runs `use` with a schema engine connected to `databaseUrl`, then frees the engine and
 * closes its connections.
 */
export async function withSchemaEngine<T>(
  options: { databaseUrl: string; datamodels?: Array<[string, string]> },
  use: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  const { factory, close } = createEngineAdapter(options.databaseUrl);
  try {
    const engine = await bindings.SchemaEngine.new(
      { datamodels: options.datamodels },
      () => {}, // the engine's tracing lines; errors arrive as rejections
      factory,
    );
    try {
      return await use(engine);
    } finally {
      engine.free();
    }
  } finally {
    await close();
  }
}
