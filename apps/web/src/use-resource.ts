import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiFailure } from './api';

export interface Resource<T> {
  data: T | undefined;
  error: ApiFailure | undefined;
  loading: boolean;
  reload: () => Promise<void>;
}

/**
 * Loads `load()` now and whenever `deps` change; `reload` loads again (answers of an older
 * load that arrive late are dropped). `everyMs` keeps it fresh while `keepPolling` says so.
 */
export function useResource<T>(
  load: () => Promise<T>,
  deps: unknown[],
  options: { everyMs?: number; keepPolling?: (data: T) => boolean } = {},
): Resource<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiFailure>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await load();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
    } catch (failure) {
      if (mine !== generation.current) return;
      setError(
        failure instanceof ApiFailure
          ? failure
          : new ApiFailure(0, 'unexpected', (failure as Error).message ?? String(failure)),
      );
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, deps);

  useEffect(() => {
    void reload();
  }, [reload]);

  const { everyMs, keepPolling } = options;
  const polling = everyMs !== undefined && data !== undefined && (keepPolling?.(data) ?? true);
  useEffect(() => {
    if (!polling || everyMs === undefined) return;
    const timer = setInterval(() => void reload(), everyMs);
    return () => clearInterval(timer);
  }, [polling, everyMs, reload]);

  return { data, error, loading, reload };
}
