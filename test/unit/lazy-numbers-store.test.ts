import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.js';
import { createDeps } from '../../shared/deps.js';
import { createNumbersStore } from '../../modules/numbers/repository.js';
import { paths } from '../../shared/store/firestore.js';
import { memoryFirestore } from '../helpers/memory-firestore.js';
import { numberRecord } from '../helpers/number-fixture.js';

describe("the wired numbers store (its module loaded on the first call)", () => {
  it("answers each call with the store's own method, and is no thenable", async () => {
    const mem = memoryFirestore();
    const deps = createDeps(parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test', PUBLIC_BASE_URL: 'https://api.example.test' }), { db: async () => mem.firestore });
    const record = numberRecord('num_0123456789abcdef', 't1', '+14155550100', { createdAt: '2026-11-01T00:00:00.000Z' });
    mem.write(paths.number('t1', record.id), Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));

    expect(await Promise.resolve(deps.numbers)).toBe(deps.numbers);
    expect(Object.keys(deps.numbers).sort()).toEqual(Object.keys(createNumbersStore(async () => mem.firestore)).sort()); // every method, no other key
    expect(JSON.parse(JSON.stringify(deps.numbers))).toEqual({});
    const page = await deps.numbers.list('t1', {}, 10);
    expect(page).toMatchObject({ items: [{ id: record.id, phoneNumber: '+14155550100' }], total: 1 });
    await expect(deps.numbers.list('t1', {}, 10, 'not-a-cursor')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
