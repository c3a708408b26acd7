import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
/** `pnpm dev` forwards everything but the page itself to a running API (`npm start`). */
const api = process.env.WEB_DEV_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here,
  base: '/',
  // Preact's automatic JSX runtime through Vite's own transform: no Babel preset needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/login', '/logout', '/admin', '/api', '/docs'].map((path) => [path, api]),
    ),
  },
});
