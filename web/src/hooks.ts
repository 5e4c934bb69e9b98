import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'internal', (e as Error)?.message ?? String(e));
}

/** Loads fn() whenever deps change; the newest call wins. refreshSeconds > 0 polls. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[], refreshSeconds = 0): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (mine !== seq.current) return;
        setError(asApiError(e));
        setLoading(false);
      },
    );
    // the caller's deps decide when to load again (fn is a new closure every render)
  }, [...deps, tick]);

  useEffect(() => {
    if (refreshSeconds <= 0) return undefined;
    const t = setInterval(() => setTick((n) => n + 1), refreshSeconds * 1000);
    return () => clearInterval(t);
  }, [refreshSeconds]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** An action a button starts: its running state and its error, shown next to it. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<void>) {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = useCallback(
    async (...args: A) => {
      setRunning(true);
      setError(null);
      try {
        await fn(...args);
      } catch (e) {
        setError(asApiError(e));
      } finally {
        setRunning(false);
      }
    },
    [fn],
  );
  return { run, running, error };
}
