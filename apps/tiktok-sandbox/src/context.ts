import type { SandboxState } from './state';
import type { VideoStore } from './video-store';

/** What every route module gets: the state, where the server listens, and the byte store. */
export interface SandboxContext {
  state: SandboxState;
  /** Set once the server listens; upload URLs are absolute and point back at it. */
  base: { url: string };
  videos: VideoStore;
}
