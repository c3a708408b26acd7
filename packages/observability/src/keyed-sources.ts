/**
 * Scrape-time sources keyed by what they count (a fleet's Redis prefix), so two API
 * instances of one fleet in a process count it once: the latest source of a key is read,
 * and the one before it again once that is unregistered.
 */
export class KeyedSources<Source> {
  readonly #stacks = new Map<string, Source[]>();

  /** Registers `source` under `key`; answers the unregister. */
  register(key: string, source: Source): () => void {
    const stack = this.#stacks.get(key) ?? [];
    stack.push(source);
    this.#stacks.set(key, stack);
    return () => {
      const at = stack.indexOf(source);
      if (at !== -1) stack.splice(at, 1);
      if (stack.length === 0 && this.#stacks.get(key) === stack) this.#stacks.delete(key);
    };
  }

  /** The source to read for each key (the latest registered). */
  latest(): Source[] {
    return [...this.#stacks.values()].map((stack) => stack.at(-1) as Source);
  }
}
