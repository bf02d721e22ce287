import { z } from 'zod';
import type { Deps } from '../../../shared/deps.js';

/**
 * The shared cache of registry searches: platform/somosSearchCache/entries/{key} (services/search.ts
 * decides what is cached and for how long). The only code touching it.
 */
const CACHE_ENTRIES = 'platform/somosSearchCache/entries';

const StoredEntry = z.object({
  data: z.array(z.object({ number: z.string(), phoneNumber: z.string() })),
  mode: z.enum(['random', 'wildcard', 'vanity', 'specific']),
  pattern: z.string().optional(),
  searchedAt: z.string(),
  numbers: z.array(z.string()).optional(),
  expiresAt: z.unknown().optional(),
});
export type CachedSearch = z.infer<typeof StoredEntry>;

/** Stores an answer; `numbers`: which entries offer a number (dropEntriesOffering finds them by it). */
export async function storeCachedSearch(deps: Pick<Deps, 'db'>, key: string, value: Omit<CachedSearch, 'numbers' | 'expiresAt'>, expiresAt: Date): Promise<void> {
  await (await deps.db()).doc(`${CACHE_ENTRIES}/${key}`).set({ ...value, expiresAt, numbers: value.data.map((n) => n.number) });
}

/** The stored answer; undefined when there is none or it does not match its schema (a miss). */
export async function readCachedSearch(deps: Pick<Deps, 'db'>, key: string): Promise<CachedSearch | undefined> {
  const stored = StoredEntry.safeParse((await (await deps.db()).doc(`${CACHE_ENTRIES}/${key}`).get()).data());
  return stored.success ? stored.data : undefined;
}

/** Drops every stored answer offering one of `numbers`. */
export async function dropEntriesOffering(deps: Pick<Deps, 'db'>, numbers: string[]): Promise<void> {
  const db = await deps.db();
  for (let i = 0; i < numbers.length; i += 30) {
    const snap = await db.collection(CACHE_ENTRIES).where('numbers', 'array-contains-any', numbers.slice(i, i + 30)).get();
    await Promise.all(snap.docs.map((d) => d.ref.delete()));
  }
}
