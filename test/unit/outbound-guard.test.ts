import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { CreateNumberBody, UpdateNumberBody, TextEnableBody } from '../../shared/api/schemas.js';
import { ConfigError, parseConfig } from '../../shared/config.js';
import { AppError } from '../../shared/http/errors.js';
import {
  createGuardedDispatcher,
  guardedLookup,
  outcomeOfError,
  postToTenantUrl,
  RefusedAddressError,
  type Resolver,
} from '../../shared/http/outbound-request.js';
import { assertOutboundUrl, outboundPolicy, outboundUrlProblem, refusedAddress } from '../../shared/http/outbound-url.js';

// The outbound guard (issue 13, item 3): which addresses and URLs a tenant may make the platform
// call, at input time and when the request is made.

const strict = { allowLoopback: false };
const dev = { allowLoopback: true };

describe('address classification', () => {
  const refused: [string, string][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.1', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.9', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456:789a::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'deprecatedSiteLocal'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
    // IPv4 embedded in IPv6: judged by the IPv4 address
    ['::ffff:a9fe:a9fe', 'linkLocal'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:0:a9fe:a9fe', 'linkLocal'], // IPv4-translated (RFC 6145)
    ['64:ff9b::a9fe:a9fe', 'linkLocal'], // NAT64 (RFC 6052)
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b:1::a9fe:a9fe', 'rfc6052'], // local-use NAT64 prefix: refused outright
    ['2002:a9fe:a9fe::1', 'linkLocal'], // 6to4
    ['2002:0a00:0001::1', 'private'],
    ['::a9fe:a9fe', 'linkLocal'], // IPv4-compatible (deprecated)
    ['::127.0.0.1', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'teredo'],
    // not an address at all
    ['metadata', 'invalid'],
    ['127.1', 'invalid'],
  ];
  it.each(refused)('refuses %s (%s)', (address, range) => {
    expect(refusedAddress(address, strict)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '34.120.0.1', '172.32.0.1', '100.128.0.1', '192.0.3.1', '2606:4700::1', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:0808:0808::1'])(
    'allows the public address %s',
    (address) => {
      expect(refusedAddress(address, strict)).toBeUndefined();
    },
  );

  it('allows loopback only when the policy does, and nothing else that is not public', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(refusedAddress(address, dev)).toBeUndefined();
      expect(refusedAddress(address, strict)).toBe('loopback');
    }
    for (const address of ['169.254.169.254', '10.0.0.1', '::ffff:a9fe:a9fe', 'fd00::1']) expect(refusedAddress(address, dev)).toBeDefined();
  });
});

describe('tenant URLs at input time', () => {
  const refusedUrls = [
    'https://169.254.169.254/computeMetadata/v1/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://[::ffff:169.254.169.254]/',
    'https://[64:ff9b::a9fe:a9fe]/',
    'https://[fd00::1]/',
    'https://10.0.0.1:8443/',
    'https://0x7f.1/', // the URL parser normalizes it to 127.0.0.1
    'https://2852039166/', // 169.254.169.254 as one number
    'https://192.0.0.1/',
    'https://198.18.0.1/',
    'https://100.64.0.1/',
    'https://localhost/',
    'https://localhost./',
    'https://hooks.example.com./',
    'https://metadata/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://METADATA.GOOGLE.INTERNAL./',
    'https://printer.local/',
    'https://db.corp.internal/',
    'https://foo.localhost/',
    'https://user:pass@hooks.example.com/',
    'http://hooks.example.com/',
    'ftp://hooks.example.com/',
  ];
  it.each(refusedUrls)('refuses %s', (url) => {
    expect(outboundUrlProblem(url, strict)).toBeDefined();
  });

  it.each(['https://hooks.example.com/sms', 'https://8.8.8.8/hook', 'https://[2606:4700::1]:8443/x', 'https://clinic.example.com/hooks/sms?x=1'])('allows %s', (url) => {
    expect(outboundUrlProblem(url, strict)).toBeUndefined();
  });

  it('lets the dev stack call its own receivers on loopback (http too), but nothing else private', () => {
    expect(outboundUrlProblem('http://127.0.0.1:8080/hook', dev)).toBeUndefined();
    expect(outboundUrlProblem('https://localhost:8443/hook', dev)).toBeUndefined();
    expect(outboundUrlProblem('http://[::1]:8080/hook', dev)).toBeUndefined();
    expect(outboundUrlProblem('http://127.0.0.1:8080/hook', strict)).toBeDefined();
    for (const url of ['https://localhost./', 'https://169.254.169.254/', 'https://metadata/', 'http://hooks.example.com/']) expect(outboundUrlProblem(url, dev), url).toBeDefined();
  });

  it('answers 400 VALIDATION_ERROR naming the field', () => {
    const config = parseConfig({ GOOGLE_CLOUD_PROJECT: 'p', PLATFORM_ENV: 'test' });
    let thrown: unknown;
    try {
      assertOutboundUrl(config, 'https://[::ffff:a9fe:a9fe]/', 'callbackUrl');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_ERROR', details: { issues: [{ path: 'body.callbackUrl' }] } });
  });

  it('holds every tenant URL field of the API to the policy', () => {
    const bad = 'https://169.254.169.254/x';
    const purchase = CreateNumberBody.safeParse({ provider: 'twilio', phoneNumber: '+14155550142', webhookUrl: bad });
    expect(purchase.success).toBe(false);
    expect(purchase.error?.issues.map((i) => i.path.join('.'))).toContain('webhookUrl');
    for (const webhookUrl of [bad, 'https://[::ffff:a9fe:a9fe]/', 'https://metadata/', 'https://localhost./']) {
      expect(UpdateNumberBody.safeParse({ webhookUrl }).success, webhookUrl).toBe(false);
      expect(TextEnableBody.safeParse({ sms: true, mms: false, webhookUrl }).success, webhookUrl).toBe(false);
    }
    expect(UpdateNumberBody.safeParse({ serverUrl: 'https://10.0.0.1/' }).success).toBe(false);
    expect(UpdateNumberBody.safeParse({ webhookUrl: 'https://clinic.example.com/hooks/sms' }).success).toBe(true);
  });
});

describe('OUTBOUND_ALLOW_LOOPBACK', () => {
  const base = { GOOGLE_CLOUD_PROJECT: 'p', TASKS_SERVICE_ACCOUNT: 'tasks@p.iam.gserviceaccount.com', FUNCTIONS_BASE_URL: 'https://us-central1-p.cloudfunctions.net' };
  it('defaults to false and is honoured outside production', () => {
    expect(outboundPolicy(parseConfig({ ...base, PLATFORM_ENV: 'local' })).allowLoopback).toBe(false);
    expect(outboundPolicy(parseConfig({ ...base, PLATFORM_ENV: 'local', OUTBOUND_ALLOW_LOOPBACK: 'true' })).allowLoopback).toBe(true);
  });
  it('is refused in production (the configuration fails fast)', () => {
    expect(() => parseConfig({ ...base, PLATFORM_ENV: 'production', OUTBOUND_ALLOW_LOOPBACK: 'true' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, PLATFORM_ENV: 'production', OUTBOUND_ALLOW_LOOPBACK: 'true' })).toThrow(/OUTBOUND_ALLOW_LOOPBACK/);
    // and never applied there, whatever a hand-made config object says
    expect(outboundPolicy({ PLATFORM_ENV: 'production', OUTBOUND_ALLOW_LOOPBACK: true }).allowLoopback).toBe(false);
  });
});

describe('connect-time guard', () => {
  let receiver: Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume().on('end', () => res.end('ok'));
    }).on('connection', () => connections++);
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => receiver?.close());

  /** A DNS that answers what the test says (a rebinding attacker's, say). */
  const fakeDns =
    (answers: Record<string, string[]>): Resolver =>
    async (hostname) => {
      const addresses = answers[hostname];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
  const post = (dispatcher: Awaited<ReturnType<typeof createGuardedDispatcher>>, url: string, policy = strict) =>
    postToTenantUrl(policy, url, { headers: { 'content-type': 'application/json' }, body: '{}', dispatcher });

  it('refuses a name that resolves to loopback although the URL looked public', async () => {
    const url = `https://hooks.example.com:${port}/x`;
    expect(outboundUrlProblem(url, strict)).toBeUndefined(); // passes the input-time check
    const dispatcher = await createGuardedDispatcher({ policy: strict, resolve: fakeDns({ 'hooks.example.com': ['127.0.0.1'] }) });
    const before = connections;
    expect(await post(dispatcher, url)).toMatchObject({ status: 0, outcome: 'refused_address' });
    expect(connections).toBe(before); // no connection was made
    await dispatcher.close();
  });

  it('refuses a name that resolves to the metadata server, even where loopback is allowed', async () => {
    const dispatcher = await createGuardedDispatcher({ policy: dev, resolve: fakeDns({ 'hooks.example.com': ['169.254.169.254'] }) });
    expect(await post(dispatcher, 'https://hooks.example.com/x', dev)).toMatchObject({ status: 0, outcome: 'refused_address' });
    await dispatcher.close();
  });

  it('refuses when any address of the name is refused (one public, one private)', async () => {
    const dispatcher = await createGuardedDispatcher({ policy: strict, resolve: fakeDns({ 'hooks.example.com': ['8.8.8.8', '10.0.0.5'] }) });
    expect(await post(dispatcher, 'https://hooks.example.com/x')).toMatchObject({ status: 0, outcome: 'refused_address' });
    await dispatcher.close();
  });

  it('refuses IPv6 answers in mapped and NAT64 forms', async () => {
    for (const address of ['::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', 'fd00::1']) {
      const dispatcher = await createGuardedDispatcher({ policy: strict, resolve: fakeDns({ 'hooks.example.com': [address] }) });
      expect(await post(dispatcher, 'https://hooks.example.com/x'), address).toMatchObject({ status: 0, outcome: 'refused_address' });
      await dispatcher.close();
    }
  });

  it('refuses a literal refused address at connect time (no lookup happens for those)', async () => {
    const dispatcher = await createGuardedDispatcher({ policy: strict, resolve: fakeDns({}) });
    const { request } = await import('undici');
    await expect(request(`http://127.0.0.1:${port}/x`, { dispatcher })).rejects.toBeInstanceOf(RefusedAddressError);
    await expect(request('http://[::ffff:a9fe:a9fe]/x', { dispatcher })).rejects.toBeInstanceOf(RefusedAddressError);
    await dispatcher.close();
  });

  it('connects through the checked lookup when the address is allowed', async () => {
    // The same name and answer as above, where loopback is allowed: the connection is made (to an
    // http server, so the TLS handshake fails — the point is that the lookup's answer was used).
    const dispatcher = await createGuardedDispatcher({ policy: dev, resolve: fakeDns({ 'hooks.example.com': ['127.0.0.1'] }) });
    const before = connections;
    expect(await post(dispatcher, `https://hooks.example.com:${port}/x`, dev)).toMatchObject({ status: 0, outcome: 'tls_error' });
    expect(connections).toBe(before + 1);
    const plain = await post(dispatcher, `http://127.0.0.1:${port}/x`, dev);
    expect(plain).toMatchObject({ status: 200, outcome: 'http_2xx' });
    await dispatcher.close();
  });

  it('answers lookups for one address and for all of them (happy eyeballs)', async () => {
    const lookup = guardedLookup(strict, fakeDns({ 'a.example': ['8.8.8.8', '2606:4700::1'], 'b.example': ['8.8.8.8', '::ffff:7f00:1'] }));
    const one = await new Promise((resolve, reject) => lookup('a.example', {}, (err, address, family) => (err ? reject(err) : resolve([address, family]))));
    expect(one).toEqual(['8.8.8.8', 4]);
    const all = await new Promise((resolve, reject) => lookup('a.example', { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
    expect(all).toEqual([{ address: '8.8.8.8', family: 4 }, { address: '2606:4700::1', family: 6 }]);
    const refused = await new Promise((resolve) => lookup('b.example', { all: true }, (err) => resolve(err)));
    expect(refused).toBeInstanceOf(RefusedAddressError);
    expect(outcomeOfError(refused)).toBe('refused_address');
  });

  it('shows a coarse outcome, never the error text', async () => {
    const dispatcher = await createGuardedDispatcher({ policy: dev, resolve: fakeDns({}) });
    const unknown = await post(dispatcher, 'https://nowhere.example/x', dev);
    expect(unknown.outcome).toBe('dns_failed');
    const closed = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const refusedConnection = await post(dispatcher, `http://127.0.0.1:${closed}/x`, dev);
    expect(refusedConnection).toMatchObject({ status: 0, outcome: 'connect_failed' });
    const tls = await post(dispatcher, `https://127.0.0.1:${port}/x`, dev); // an http server answering a TLS handshake
    expect(tls).toMatchObject({ status: 0, outcome: 'tls_error' });
    expect(Object.keys(tls).sort()).toEqual(['detail', 'outcome', 'status']); // detail: logs only
    await dispatcher.close();
  });

  it('classifies errors by code, cause and aggregate', () => {
    const e = (code: string) => Object.assign(new Error('x'), { code });
    expect(outcomeOfError(e('UND_ERR_CONNECT_TIMEOUT'))).toBe('timeout');
    expect(outcomeOfError(e('UND_ERR_HEADERS_TIMEOUT'))).toBe('timeout');
    expect(outcomeOfError(e('ECONNREFUSED'))).toBe('connect_failed');
    expect(outcomeOfError(e('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('tls_error');
    expect(outcomeOfError(e('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe('tls_error');
    expect(outcomeOfError(e('EAI_AGAIN'))).toBe('dns_failed');
    expect(outcomeOfError(new AggregateError([e('ECONNREFUSED'), e('ECONNREFUSED')]))).toBe('connect_failed');
    expect(outcomeOfError(Object.assign(new Error('fetch failed'), { cause: new RefusedAddressError('h', '10.0.0.1', 'private') }))).toBe('refused_address');
    expect(outcomeOfError(new Error('something else'))).toBe('failed');
  });
});
