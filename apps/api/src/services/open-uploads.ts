import { ApiError } from '../errors';

/**
 * Uploads in progress per API key, in this API process: a key may hold only `max` open at
 * once, so one caller cannot tie up every socket and file handle with slow bodies.
 */
export class OpenUploads {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `key`, or throws 429; call the returned function when done. */
  enter(key: string): () => void {
    const open = this.#open.get(key) ?? 0;
    if (open >= this.max) {
      throw new ApiError(
        429,
        'too_many_open_uploads',
        `This API key already has ${open} uploads in progress, the most it may have at once ` +
          '(MEDIA_MAX_OPEN_UPLOADS_PER_KEY). Wait for one to finish, then send the next.',
        { maxOpenUploads: this.max },
        { 'retry-after': '5' },
      );
    }
    this.#open.set(key, open + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.#open.get(key) ?? 1) - 1;
      if (now <= 0) this.#open.delete(key);
      else this.#open.set(key, now);
    };
  }
}
