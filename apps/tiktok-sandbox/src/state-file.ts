import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { applyConfigPatch, type ConfigPatch, defaultConfig, type SandboxConfig } from './config';
import type { SandboxContext } from './context';
import { fail, scheduleModeration, startProcessing } from './publish-machine';
import type { AccessToken, Creator, Publish, RefreshToken } from './state';

/**
 * What a restarted sandbox needs to keep the fleet's connected accounts working: creators,
 * their tokens, the publishes (status, post ids, the 24 h caps count them) and the run-time
 * config. Not kept: authorization codes (they live minutes), rate-limit windows, request
 * counters, pending faults, and an upload's running hash, so an upload cut by a restart
 * fails as TikTok fails a publish it lost (`internal`).
 */
interface StateFileV1 {
  version: 1;
  clientKey: string;
  savedAt: string;
  /** How far the sandbox clock was advanced; absent in files from before the clock. */
  clockOffsetMs?: number;
  config: SandboxConfig;
  creators: Creator[];
  accessTokens: AccessToken[];
  refreshTokens: RefreshToken[];
  publishes: StoredPublish[];
  postingUsers: Array<[string, number]>;
}

type StoredPublish = Omit<Publish, 'upload' | 'pullAbort' | 'postId' | 'storedPath'> & {
  postId: string | null;
};

export class StateFileError extends Error {
  readonly code = 'sandbox_state_file_invalid';
}

function snapshot(ctx: SandboxContext): StateFileV1 {
  const { state } = ctx;
  return {
    version: 1,
    clientKey: state.clientKey,
    savedAt: new Date().toISOString(),
    // The expiries in the file are on the sandbox clock: it must come back as far ahead.
    clockOffsetMs: state.clock.offsetMs,
    config: state.config,
    creators: [...state.creators.values()],
    accessTokens: [...state.accessTokens.values()],
    refreshTokens: [...state.refreshTokens.values()],
    publishes: [...state.publishes.values()].map(
      ({ upload: _u, pullAbort: _p, storedPath: _s, postId, ...rest }) => ({
        ...rest,
        postId: postId === null ? null : postId.toString(),
      }),
    ),
    postingUsers: [...state.postingUsers],
  };
}

function read(path: string): StateFileV1 | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let data: Partial<StateFileV1>;
  try {
    data = JSON.parse(text) as Partial<StateFileV1>;
  } catch {
    throw new StateFileError(`The sandbox state file ${path} is not JSON; move it away.`);
  }
  if (data.version !== 1) {
    throw new StateFileError(`The sandbox state file ${path} is not a version 1 state file.`);
  }
  return data as StateFileV1;
}

/** Brings publishes that were in motion when the sandbox stopped to where TikTok would. */
function resume(ctx: SandboxContext, publish: Publish): void {
  if (publish.status === 'PROCESSING_UPLOAD' || publish.status === 'PROCESSING_DOWNLOAD') {
    const allBytesIn =
      publish.status === 'PROCESSING_UPLOAD' &&
      publish.videoSize !== null &&
      publish.bytesReceived >= publish.videoSize;
    if (allBytesIn) startProcessing(ctx, publish);
    else fail(ctx, publish, 'internal');
    return;
  }
  if (
    publish.status === 'PUBLISH_COMPLETE' &&
    !publish.publiclyAvailable &&
    publish.privacyLevel !== 'SELF_ONLY' &&
    publish.postId !== null
  ) {
    scheduleModeration(ctx, publish, publish.postId);
  }
}

/**
 * Keeps the sandbox's state in one JSON file: read at start, written (atomically: a temporary
 * file, then a rename) shortly after anything may have changed, and once more at close.
 */
export class StateFile {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly ctx: SandboxContext,
  ) {}

  /** Loads the file into the state; options given at start override its config. */
  restore(configOverrides: ConfigPatch): boolean {
    mkdirSync(dirname(this.path), { recursive: true });
    const data = read(this.path);
    if (!data) return false;
    const { state } = this.ctx;
    if (data.clientKey !== state.clientKey) {
      throw new StateFileError(
        `The sandbox state file ${this.path} holds the tokens of client key ${data.clientKey}, ` +
          `not ${state.clientKey}: start with that SANDBOX_CLIENT_KEY or move the file away.`,
      );
    }
    // The file's config, then what this start was given (a patch, as PATCH /_sandbox/config).
    state.config = applyConfigPatch({ ...defaultConfig, ...data.config }, configOverrides);
    state.clock.advance(data.clockOffsetMs ?? 0);
    for (const c of data.creators) state.creators.set(c.openId, c);
    for (const t of data.accessTokens) state.accessTokens.set(t.token, t);
    for (const t of data.refreshTokens) state.refreshTokens.set(t.token, t);
    for (const [openId, at] of data.postingUsers) state.postingUsers.set(openId, at);
    for (const stored of data.publishes) {
      const publish: Publish = {
        ...stored,
        postId: stored.postId === null ? null : BigInt(stored.postId),
        upload: null,
        pullAbort: null,
        storedPath: null,
      };
      state.publishes.set(publish.publishId, publish);
    }
    for (const publish of state.publishes.values()) resume(this.ctx, publish);
    return true;
  }

  /** Coalesces the writes of a burst of requests into one. */
  scheduleSave(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const text = JSON.stringify(snapshot(this.ctx));
      this.writing = this.writing.then(() => this.writeAsync(text)).catch(() => {});
    }, 50);
  }

  private async writeAsync(text: string): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, text);
    await rename(temporary, this.path);
  }

  /** The final write at close: synchronous, so a process exiting right after keeps it. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
    this.saveNow();
  }

  saveNow(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(snapshot(this.ctx)));
    renameSync(temporary, this.path);
  }
}
