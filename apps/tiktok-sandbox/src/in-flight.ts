import type { Publish, SandboxState } from './state';

/**
 * An upload is in flight (open at TikTok) from its init until its last byte, or until it can
 * no longer finish (URL expired, publish failed): TikTok allows one per user at a time. The most a creator had at once tells a test whether
 * the fleet kept to one upload per account.
 */
export function startInFlight(state: SandboxState, publish: Publish): void {
  const now = state.clock.now();
  const set = state.inFlight.get(publish.openId) ?? new Set<string>();
  for (const id of set) {
    const other = state.publishes.get(id);
    const alive =
      other?.upload &&
      other.status === 'PROCESSING_UPLOAD' &&
      other.upload.expiresAt > now &&
      other.bytesReceived < (other.videoSize ?? 0);
    if (!alive) set.delete(id);
  }
  set.add(publish.publishId);
  state.inFlight.set(publish.openId, set);
  const max = state.maxConcurrent.get(publish.openId) ?? 0;
  state.maxConcurrent.set(publish.openId, Math.max(max, set.size));
}

export function endInFlight(state: SandboxState, publish: Publish): void {
  state.inFlight.get(publish.openId)?.delete(publish.publishId);
}
