import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FleetQueues } from '@tiktok-fleet/queue';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config';
import { errorBody } from './error-handler';
import { requireOperator } from './operator-auth';
import { refuseCrossSiteWrite } from './same-origin';

export const BULL_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  queues: FleetQueues;
  /** Whether the request's session is the signed-in operator's (the page links here). */
  signedIn: (request: FastifyRequest) => boolean;
  config: Pick<
    ApiConfig,
    'OPERATOR_USERNAME' | 'OPERATOR_PASSWORD' | 'BULL_BOARD_READ_ONLY' | 'NODE_ENV'
  >;
}

/**
 * Bull Board at /admin/queues, every queue of the catalog, behind the operator login.
 * Without OPERATOR_USERNAME and OPERATOR_PASSWORD it is not mounted at all (404): the
 * dashboard can retry, remove and obliterate jobs, so it is never open. With
 * BULL_BOARD_READ_ONLY every queue is read-only: the write buttons are hidden and their
 * endpoints answer 405.
 *
 * The login is registered inside the dashboard's own plugin scope, so it covers the
 * dashboard's pages, assets and API, and nothing else of the API (as bull-board's own
 * example does: https://github.com/felixmosh/bull-board/tree/master/examples/with-fastify-auth).
 */
export async function bullBoard(
  app: FastifyInstance,
  { queues, config, signedIn }: BullBoardOptions,
) {
  if (!config.OPERATOR_USERNAME || !config.OPERATOR_PASSWORD) return;
  const readOnlyMode = config.BULL_BOARD_READ_ONLY;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: Object.values(queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'tiktok-fleet',
        // Each open tab polls Redis: pinned to Bull Board's default, so no tab polls faster.
        pollingInterval: { forceInterval: 5_000 },
        ...(config.NODE_ENV === 'production' && {
          environment: { label: 'production', color: '#cc0000' },
        }),
      },
    },
  });
  await app.register(async (scope) => {
    await requireOperator(scope, config, signedIn);
    // A browser sends the session cookie and cached basic-auth credentials with any request
    // to this origin, so a page elsewhere could retry or remove jobs through a plain form
    // post (CSRF). Writes must come from the dashboard itself.
    scope.addHook('onRequest', async (request) => {
      refuseCrossSiteWrite(request, 'Bull Board');
    });
    // The dashboard's plugin has its own error handler and error bodies
    // ({"error":{"key":"ERRORS.QUEUE_NOT_FOUND"}}, or Fastify's own for a refused login):
    // every answer of the API is in its error shape, so they are rewritten here. Bull
    // Board's translation key stays beside the code for its own page to show.
    scope.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode < 400) return payload;
      reply.type('application/json; charset=utf-8');
      if (reply.statusCode === 401) {
        return errorBody(
          'unauthorized',
          'Log in with the operator username and password (OPERATOR_USERNAME and OPERATOR_PASSWORD).',
        );
      }
      return bullBoardError(reply.statusCode, payload);
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}

/** A Bull Board error answer in the fleet's shape; one already in it passes unchanged. */
function bullBoardError(status: number, payload: unknown): string {
  let body: { error?: unknown; message?: unknown } | undefined;
  try {
    body = typeof payload === 'string' ? JSON.parse(payload) : undefined;
  } catch {}
  const error = body?.error;
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    return payload as string;
  }
  const key = error && typeof error === 'object' && 'key' in error ? String(error.key) : undefined;
  const code = key
    ? key.replace(/^ERRORS\./, '').toLowerCase()
    : status === 404
      ? 'not_found'
      : status >= 500
        ? 'bull_board_error'
        : 'bad_request';
  const message =
    typeof body?.message === 'string'
      ? body.message
      : key
        ? `Bull Board refused the request (${key}).`
        : `Bull Board answered ${status}.`;
  return JSON.stringify({ error: { code, message, ...(key && { key }) } });
}
