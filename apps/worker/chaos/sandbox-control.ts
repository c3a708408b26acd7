import { sandboxControl } from '@tiktok-fleet/testing/sandbox-control';

/** A publish as `GET /_sandbox/publishes` lists it (CONTRACT.md). */
export interface SandboxPublish {
  publishId: string;
  openId: string;
  source: 'FILE_UPLOAD' | 'PULL_FROM_URL' | string;
  status: string;
  title: string | null;
  videoSize: number | null;
  bytesReceived: number;
  bytesTransferred: number;
  sha256: string | null;
}

export interface SandboxStats {
  maxConcurrentUploadsByCreator: Record<string, number>;
  maxSendingUploadsByCreator: Record<string, number>;
  violations: { rule: string; detail: string }[];
  requests: Record<string, number>;
  refreshTokensReused: number;
  faultsFired: Record<string, number>;
}

export const noFaultRates = {
  chunk5xx: 0,
  chunkReset: 0,
  init429: 0,
  status5xx: 0,
  tokenExpiry: 0,
};

/** The sandbox's control API (`/_sandbox`), over HTTP like every other client of it. */
export class SandboxControl {
  constructor(readonly url: string) {}

  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return sandboxControl<T>(this.url, method, path, body);
  }

  configure = (config: Record<string, unknown>) => this.call('PATCH', '/config', config);
  reset = () => this.call('POST', '/reset');
  publishes = () => this.call<SandboxPublish[]>('GET', '/publishes');
  stats = () => this.call<SandboxStats>('GET', '/stats');
  expireTokens = () => this.call<{ expired: number }>('POST', '/tokens/expire', {});
}
