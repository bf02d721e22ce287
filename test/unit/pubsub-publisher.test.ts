import { describe, expect, it } from 'vitest';
import { PubSubPublisher } from '../../shared/queue/pubsub-publisher.js';

// The REST publisher's own rules, against a fake fetch (the emulator test covers the real API).
type Call = { url: string; method: string; headers: Record<string, string>; body: unknown };

function fakeFetch(answers: (Response | Error)[]) {
  const calls: Call[] = [];
  const impl = (async (url: string, init: RequestInit) => {
    if (typeof init.body !== 'string') throw new Error(`expected a JSON text body, got ${typeof init.body}`);
    calls.push({ url, method: init.method!, headers: init.headers as Record<string, string>, body: JSON.parse(init.body) });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    if (next instanceof Error) throw next;
    return next;
  }) as unknown as typeof fetch;
  return { impl, calls };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('PubSubPublisher (REST)', () => {
  it('posts base64 JSON with attributes to topics.publish, with a bearer token', async () => {
    const { impl, calls } = fakeFetch([json(200, { messageIds: ['42'] })]);
    const publisher = new PubSubPublisher({ projectId: 'p1', apiEndpoint: 'https://pubsub.example/', accessToken: async () => 'tok', fetchImpl: impl });
    expect(await publisher.publish('jobs-chunks', { a: 1 }, { k: 'v' })).toBe('42');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe('https://pubsub.example/v1/projects/p1/topics/jobs-chunks:publish');
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.headers.authorization).toBe('Bearer tok');
    expect(calls[0]!.body).toEqual({ messages: [{ data: Buffer.from('{"a":1}').toString('base64'), attributes: { k: 'v' } }] });
  });

  it('retries 503 and network failures, then succeeds; never retries a 400', async () => {
    const { impl, calls } = fakeFetch([json(503, { error: { status: 'UNAVAILABLE' } }), new TypeError('fetch failed'), json(200, { messageIds: ['7'] })]);
    const publisher = new PubSubPublisher({ projectId: 'p1', apiEndpoint: 'http://x', accessToken: async () => undefined, fetchImpl: impl });
    expect(await publisher.publish('jobs-chunks', {})).toBe('7');
    expect(calls).toHaveLength(3);
    expect(calls[0]!.headers.authorization).toBeUndefined();

    const bad = fakeFetch([json(400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad' } })]);
    const strict = new PubSubPublisher({ projectId: 'p1', apiEndpoint: 'http://x', accessToken: async () => undefined, fetchImpl: bad.impl });
    await expect(strict.publish('jobs-chunks', {})).rejects.toMatchObject({ httpStatus: 400, code: 3 });
    expect(bad.calls).toHaveLength(1);
  });

  it('gives up after three attempts with the last answer, and reports NOT_FOUND as code 5', async () => {
    const { impl, calls } = fakeFetch([json(503, {}), json(503, {}), json(503, { error: { status: 'UNAVAILABLE' } })]);
    const publisher = new PubSubPublisher({ projectId: 'p1', apiEndpoint: 'http://x', accessToken: async () => undefined, fetchImpl: impl });
    await expect(publisher.publish('jobs-chunks', {})).rejects.toMatchObject({ httpStatus: 503, code: 14 });
    expect(calls).toHaveLength(3);

    const missing = fakeFetch([json(404, { error: { code: 404, status: 'NOT_FOUND', message: 'Topic not found' } })]);
    const p2 = new PubSubPublisher({ projectId: 'p1', apiEndpoint: 'http://x', accessToken: async () => undefined, fetchImpl: missing.impl });
    await expect(p2.publish('nope-topic', {})).rejects.toMatchObject({ code: 5, httpStatus: 404 });
  });
});
