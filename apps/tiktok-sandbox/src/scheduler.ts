/**
 * Timers for the status machine and webhook retries. Kept in one place so that a reset or
 * close cancels every pending transition: a test that resets must never see a webhook or a
 * state change from the previous test.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  /** Bumped by `cancelAll()`, so work that was in progress can tell it belongs to the past. */
  epoch = 0;
  /** Called after each timer's work, so a state file learns of changes no request made. */
  afterEach: (() => void) | null = null;

  /** Transitions and retries still to come: 0 once the sandbox has nothing left to do. */
  get pending(): number {
    return this.timers.size;
  }

  after(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve()
        .then(fn)
        .catch(() => {})
        .finally(() => this.afterEach?.());
    }, ms);
    this.timers.add(timer);
  }

  /** An AbortController that is aborted by `cancelAll()`, for fetches the sandbox makes. */
  abortController(): AbortController {
    const controller = new AbortController();
    this.aborts.add(controller);
    controller.signal.addEventListener('abort', () => this.aborts.delete(controller));
    return controller;
  }

  forget(controller: AbortController): void {
    this.aborts.delete(controller);
  }

  cancelAll(): void {
    this.epoch += 1;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of [...this.aborts]) controller.abort();
    this.aborts.clear();
  }
}
