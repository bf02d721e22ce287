import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Problem, Result } from '../client';

export interface Loaded<T> {
  data: T | undefined;
  problem: Problem | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads with the given call whenever deps change; the latest call wins. */
export function useLoad<T>(load: () => Promise<Result<T>>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    void load().then((r) => {
      if (mine !== seq.current) return;
      setState(r.ok ? { data: r.data, loading: false } : { problem: r.problem, loading: false });
    });
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

/** A write in progress: its problem (with per-field messages) and a busy flag that blocks a second send. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  const inFlight = useRef(false);
  const act = useCallback(async <T,>(send: () => Promise<Result<T>>): Promise<Result<T> | undefined> => {
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await send();
      if (!result.ok) setProblem(result.problem);
      return result;
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, problem, setProblem, act };
}

/** Polls while active. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => saved.current(), ms);
    return () => clearInterval(t);
  }, [ms, active]);
}

/** Idempotency-Keys per intended write: the same body again (a double click, a retry) reuses its key; a changed body gets a new one. */
export function useIdempotencyKeys(newKey: () => string): (body: unknown) => string {
  const last = useRef<{ body: string; key: string } | undefined>(undefined);
  return useCallback((body: unknown) => {
    const json = JSON.stringify(body);
    if (last.current?.body !== json) last.current = { body: json, key: newKey() };
    return last.current.key;
  }, []);
}
