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

/**
 * The stricter half of the count: uploads of a creator that are receiving bytes (from their
 * first chunk to their last, while they can still finish). An upload initialised and never
 * sent a byte (a client that died between TikTok's init answer and writing the publish id
 * down) counts in `startInFlight` but not here: the fleet cannot know its id, so it cannot
 * avoid it, while two uploads receiving bytes at once would be the fleet's own mistake.
 */
export function startSending(state: SandboxState, publish: Publish): void {
  const now = state.clock.now();
  let sending = 0;
  for (const other of state.publishes.values()) {
    if (other.openId !== publish.openId) continue;
    const alive =
      other.upload &&
      other.status === 'PROCESSING_UPLOAD' &&
      other.upload.expiresAt > now &&
      other.bytesReceived > 0 &&
      other.bytesReceived < (other.videoSize ?? 0);
    if (alive || other.publishId === publish.publishId) sending += 1;
  }
  const max = state.maxSending.get(publish.openId) ?? 0;
  state.maxSending.set(publish.openId, Math.max(max, sending));
}
