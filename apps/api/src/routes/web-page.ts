import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { webDistDir } from '../config';
import type { ApiContext } from '../context';
import { signedInOperator } from '../plugins/operator-session';
import { htmlPage } from '../services/html';

/** Paths that belong to the API, never to the page: unknown ones there are a JSON 404. */
const API_PREFIXES = [
  '/v1',
  '/api',
  '/admin',
  '/docs',
  '/metrics',
  '/internal',
  '/healthz',
  '/readyz',
  '/login',
  '/logout',
];

const isApiPath = (pathname: string) =>
  API_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));

const notBuiltPage = (dist: string) =>
  htmlPage(
    'The page is not built yet',
    `<p>The API serves the integration page from <code>${dist}</code>, and there is no ` +
      '<code>index.html</code> there.</p><p>Build it with <code>pnpm --filter ' +
      '@tiktok-fleet/web build</code> (or point <code>WEB_DIST_DIR</code> at a built copy), ' +
      'then reload. The API itself works: see <a href="/docs">/docs</a>.</p>',
  );

/** A file of the dist directory for this URL path, or null (nothing there, or outside it). */
function distFile(dist: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = path.resolve(dist, `.${decoded}`);
  if (!file.startsWith(`${dist}${path.sep}`)) return null;
  try {
    return statSync(file).isFile() ? path.relative(dist, file) : null;
  } catch {
    return null;
  }
}

/**
 * The integration page (apps/web, built by Vite) at `/`, behind the operator's session.
 * Signed out, every page path and every asset answers 303 to /login?next=<path>: nothing of
 * the app is served to anyone else. Signed in: files of the dist directory as they are
 * (hashed assets cached for good, privately), and index.html for every other path, since
 * the page routes in the browser.
 */
export async function webPageRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }) {
  const dist = webDistDir(ctx.config);
  await app.register(fastifyStatic, {
    root: dist,
    serve: false,
    cacheControl: false,
    // The dist directory may be built after the API starts.
    suppressWarning: true,
  });

  const servePage = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    if (isApiPath(pathname)) return reply.callNotFound();
    if (!signedInOperator(request, ctx.now)) {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
    }
    if (!existsSync(path.join(dist, 'index.html'))) {
      return reply
        .code(503)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(notBuiltPage(dist));
    }
    const file = pathname === '/' ? null : distFile(dist, pathname);
    if (file && file !== 'index.html') {
      // Vite names assets by their content hash: a changed file is a new name.
      const hashed = pathname.startsWith('/assets/');
      reply.header('cache-control', hashed ? 'private, max-age=31536000, immutable' : 'no-cache');
      return reply.sendFile(file);
    }
    if (pathname.startsWith('/assets/')) return reply.callNotFound();
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html');
  };

  const schema = { hide: true };
  app.get('/', { schema }, servePage);
  app.get('/*', { schema }, servePage);
}
