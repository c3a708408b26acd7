import type { ServiceUrls } from './services';

// What the global setup hands every test file through vitest's provide/inject. Declared in
// a module of its own that index.ts pulls in, so any test importing @tiktok-fleet/testing
// sees the types.
declare module 'vitest' {
  export interface ProvidedContext {
    services: ServiceUrls;
    /** Names this run's databases, so concurrent runs on one server never collide. */
    runId: string;
  }
}
