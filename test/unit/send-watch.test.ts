import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { watchSend } from '../../shared/providers/send-watch.js';

describe('watchSend: when a provider request actually left', () => {
  let server: Server;
  let base: string;
  const arrivals: number[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(Date.now());
      // The first request is slow, so a second one on a one-connection pool waits in its queue.
      setTimeout(() => res.end('ok'), req.url === '/slow' ? 150 : 0);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('stamps the request started inside it with the time its headers were written', async () => {
    const agent = new Agent({ connections: 1 });
    const stamps: number[] = [];
    const before = Date.now();
    const res = await watchSend((at) => stamps.push(at), () => request(`${base}/fast`, { dispatcher: agent }));
    await res.body.text();
    expect(stamps).toHaveLength(1);
    expect(stamps[0]!).toBeGreaterThanOrEqual(before);
    expect(stamps[0]!).toBeLessThanOrEqual(arrivals.at(-1)!);
    // A request started outside it is not stamped by anyone.
    await (await request(`${base}/fast`, { dispatcher: agent })).body.text();
    expect(stamps).toHaveLength(1);
    await agent.close();
  });

  it('stamps a request that waited for a busy connection with when it left, not when it was started', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    const slow: number[] = [];
    const queued: number[] = [];
    const started = Date.now();
    const first = watchSend((at) => slow.push(at), () => request(`${base}/slow`, { dispatcher: agent }));
    const second = watchSend((at) => queued.push(at), () => request(`${base}/fast`, { dispatcher: agent }));
    await Promise.all([first, second].map(async (p) => (await p).body.text()));
    expect(slow).toHaveLength(1);
    expect(queued).toHaveLength(1);
    // The second one could only leave once the slow one (150 ms) was answered on the one connection.
    expect(queued[0]! - started).toBeGreaterThanOrEqual(140);
    expect(slow[0]! - started).toBeLessThan(140);
    await agent.close();
  });
});
