/**
 * The outside world of the rehearsal: the Firestore and Pub/Sub emulators, the provider sandboxes
 * (with the dev stack's platform and customer accounts), a tenant's public HTTPS webhook receiver,
 * and the values operators add out of band (secret versions, Terraform variables without a
 * default): scripts/rehearse/rehearsal.tfvars.json may name a world value as "{{world.NAME}}".
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFirestoreEmulator, startPubsubEmulator, type EmulatorHandle } from '../local/emulators.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS, SOMOS_LOCAL_ENV, SOMOS_SANDBOX_RESPORG } from '../local/stack.js';
import { startTwilioSandbox, type TwilioSandbox } from '../sandboxes/twilio.js';
import { startPlivoSandbox, type PlivoSandbox } from '../sandboxes/plivo.js';
import { startVonageSandbox, type VonageSandbox } from '../sandboxes/vonage.js';
import { startTelnyxSandbox, type TelnyxSandbox } from '../sandboxes/telnyx.js';
import { startVapiSandbox, type VapiSandbox } from '../sandboxes/vapi.js';
import { startSomosSandbox, type SomosSandbox } from '../sandboxes/somos.js';
import { platformSecretName } from '../../shared/providers/registry.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TFVARS_FILE = path.join(REPO_ROOT, 'scripts/rehearse/rehearsal.tfvars.json');

/** A tenant's webhook host: public in DNS (the address the outbound guard judges), served here. */
export const TENANT_HOOK_HOST = 'hooks.clinic-rehearsal.example';
const TENANT_HOOK_ADDRESS = '93.184.215.14';

/** A type, not an interface: Object.values and Object.entries see its members' types. */
export type Sandboxes = {
  twilio: TwilioSandbox;
  plivo: PlivoSandbox;
  vonage: VonageSandbox;
  telnyx: TelnyxSandbox;
  vapi: VapiSandbox;
  somos: SomosSandbox;
};

export interface Receiver {
  url: string;
  received: { path: string; headers: Record<string, string>; body: string }[];
  host: { address: string; port: number; ca: string };
  close(): Promise<void>;
}

export interface World {
  firestoreHost?: string;
  pubsubHost?: string;
  sandboxes?: Sandboxes;
  receiver?: Receiver;
  /** Values operators provide out of band, by name (secret env keys, settings). */
  values: Record<string, string>;
  /** The environment every function gets from outside Terraform: emulator hosts, providers' API origins. */
  outsideEnv: Record<string, string>;
  close(): Promise<void>;
}

/** The gateway's public origin when Terraform takes it from a variable (any https origin would do). */
export const PUBLIC_ORIGIN = 'https://api.numbers-rehearsal.example';

/** The values operators provide, before any sandbox gives its own (the Telnyx key is a well-formed stand-in). */
export function worldValuesWithoutSandboxes(): Record<string, string> {
  return { PUBLIC_BASE_URL: PUBLIC_ORIGIN, ...SOMOS_LOCAL_ENV, TELNYX_PUBLIC_KEY: `${'A'.repeat(43)}=` };
}

export async function startWorld(options: { dir: string; emulators: boolean; sandboxes: boolean; log: (line: string) => void }): Promise<World> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    await rm(options.dir, { recursive: true, force: true });
    await mkdir(options.dir, { recursive: true });
    const world: World = {
      values: worldValuesWithoutSandboxes(),
      outsideEnv: {},
      close,
    };
    if (options.emulators) {
      const rules = path.join(REPO_ROOT, 'firestore.rules');
      const [firestore, pubsub] = (await Promise.all([startFirestoreEmulator({ rulesPath: rules }), startPubsubEmulator({})])) as [EmulatorHandle, EmulatorHandle];
      closers.push(() => firestore.stop(), () => pubsub.stop());
      world.firestoreHost = firestore.host;
      world.pubsubHost = pubsub.host;
      // The client library's emulator switch: Firestore itself is the production code path otherwise.
      world.outsideEnv.FIRESTORE_EMULATOR_HOST = firestore.host;
      options.log(`emulators: firestore ${firestore.host}, pubsub ${pubsub.host}`);
    }
    if (options.sandboxes) {
      const state = (name: string) => path.join(options.dir, `${name}.json`);
      const sandboxes: Sandboxes = {
        twilio: await startTwilioSandbox({ accounts: [SANDBOX_ACCOUNTS.twilio, CUSTOMER_SANDBOX_ACCOUNTS.twilio], stateFile: state('twilio') }),
        plivo: await startPlivoSandbox({ accounts: [SANDBOX_ACCOUNTS.plivo, CUSTOMER_SANDBOX_ACCOUNTS.plivo], stateFile: state('plivo') }),
        vonage: await startVonageSandbox({ accounts: [SANDBOX_ACCOUNTS.vonage, CUSTOMER_SANDBOX_ACCOUNTS.vonage], stateFile: state('vonage') }),
        telnyx: await startTelnyxSandbox({ apiKeys: [SANDBOX_ACCOUNTS.telnyx.apiKey, CUSTOMER_SANDBOX_ACCOUNTS.telnyx.apiKey], stateFile: state('telnyx') }),
        vapi: await startVapiSandbox({ apiKeys: [SANDBOX_ACCOUNTS.vapi.apiKey], stateFile: state('vapi') }),
        somos: await startSomosSandbox({ users: [{ username: SANDBOX_ACCOUNTS.somos.username, password: SANDBOX_ACCOUNTS.somos.password, ...SOMOS_SANDBOX_RESPORG }], stateFile: state('somos') }),
      };
      for (const s of Object.values(sandboxes)) closers.push(() => s.close());
      world.sandboxes = sandboxes;
      world.values.TELNYX_PUBLIC_KEY = sandboxes.telnyx.publicKeyBase64;
      // The providers' public API hosts: their sandboxes (the one substitution made by setting).
      for (const [provider, sandbox] of Object.entries(sandboxes)) world.outsideEnv[`${provider.toUpperCase()}_API_BASE_URL`] = sandbox.url;
      world.outsideEnv.TWILIO_PRICING_BASE_URL = sandboxes.twilio.url; // Twilio's Pricing API: the Twilio sandbox serves it too
      options.log('sandboxes: twilio, plivo, vonage, telnyx, vapi, somos');
      world.receiver = await startReceiver(options.dir).catch((err: unknown) => {
        options.log(`no tenant webhook receiver (${String(err)}): the inbound relay step cannot be checked`);
        return undefined;
      });
      if (world.receiver) closers.push(() => world.receiver!.close());
    }
    return world;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Secret values operators add out of band, by secret id (platform provider accounts: the sandboxes'). */
export function secretValues(world: World): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [provider, credentials] of Object.entries(SANDBOX_ACCOUNTS)) {
    out[platformSecretName(provider as keyof typeof SANDBOX_ACCOUNTS)] = JSON.stringify(credentials);
  }
  void world;
  return out;
}

/** The rehearsal's tfvars, with "{{world.NAME}}" placeholders filled in. */
export async function rehearsalVars(world: Pick<World, 'values'>, file = TFVARS_FILE): Promise<Record<string, unknown>> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/\{\{world\.([A-Z0-9_]+)\}\}/g, (_m, name: string) => {
        const v = world.values[name];
        if (v === undefined) throw new Error(`${file}: no world value ${name}`);
        return v;
      });
    }
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  return fill(raw) as Record<string, unknown>;
}

/** An HTTPS server with a certificate for TENANT_HOOK_HOST (openssl), recording what it receives. */
async function startReceiver(dir: string): Promise<Receiver> {
  const key = path.join(dir, 'hook.key');
  const cert = path.join(dir, 'hook.crt');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', `/CN=${TENANT_HOOK_HOST}`, '-addext', `subjectAltName=DNS:${TENANT_HOOK_HOST}`,
  ]);
  const ca = await readFile(cert, 'utf8');
  const received: Receiver['received'] = [];
  const server: Server = createServer({ key: await readFile(key), cert: ca }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c)).on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      received.push({ path: req.url ?? '/', headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${TENANT_HOOK_HOST}`,
    received,
    host: { address: TENANT_HOOK_ADDRESS, port, ca },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
