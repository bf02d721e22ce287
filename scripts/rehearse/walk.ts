/**
 * The end-to-end walk of the rehearsal: each user spec's main flow (../shared/specs/), through the
 * rehearsal's gateway only, with Firebase ID tokens as Firebase Authentication issues them. The
 * steps are the integration tests' (test/integration/*-flow.test.ts, jobs, inbound-relay), never
 * their shortcuts around the gateway (no Firestore writes, no direct task calls): tasks, pushes and
 * provider webhooks arrive as they would deployed.
 */
import { createHmac, randomUUID } from 'node:crypto';
import twilio from 'twilio';
import type { z } from 'zod';
import type * as schemas from '../../shared/api/schemas.js';
import { CUSTOMER_SANDBOX_ACCOUNTS, SANDBOX_ACCOUNTS } from '../local/stack.js';
import type { Rehearsal } from './rehearsal.js';

export interface StepResult {
  flow: string;
  step: string;
  ok: boolean;
  ms: number;
  error?: string;
  /** What the rehearsal found while the step ran (settings, secrets, roles, indexes). */
  found?: string[];
}

/**
 * One answer. `T` is what the step expects the body to be (a response schema's output, below): the
 * client does not check it, the step's checks do. Without one the body is `unknown`.
 */
interface Answer<T = unknown> {
  status: number;
  /** Parsed from JSON; the text when it is not JSON, undefined when empty. */
  body: T;
  headers: Headers;
  /** The function the gateway routed the request to. */
  fn?: string;
}

class WalkError extends Error {
  constructor(
    message: string,
    /** The function whose answer failed the step, and that answer (to name a setting it says it lacks). */
    readonly answer?: { fn: string; text: string; status: number },
  ) {
    super(message);
  }
}

/** The API's answers as the walk reads them: the output of the response schemas (shared/api/schemas.ts). */
type Out<S extends z.ZodType> = z.output<S>;
/** A toll-free answer that is the result itself, not the 202 of a registry request still pending. */
type Done<T> = Exclude<T, { status: 'pending' }>;

/** Set by walk(): the function the gateway routes a request to. */
let routeOf: (method: string, path: string) => string | undefined = () => undefined;

function client(base: string, token?: string) {
  const call = async <T = unknown>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; raw?: BodyInit } = {}): Promise<Answer<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // a non-JSON answer is shown as text
    }
    const fn = routeOf(method, path.split('?')[0]!);
    return { status: res.status, body: parsed as T, headers: res.headers, ...(fn ? { fn } : {}) };
  };
  return {
    call,
    get: <T = unknown>(path: string, headers?: Record<string, string>) => call<T>('GET', path, { ...(headers ? { headers } : {}) }),
    post: <T = unknown>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, { body: body ?? {}, ...(headers ? { headers } : {}) }),
    put: <T = unknown>(path: string, body: unknown) => call<T>('PUT', path, { body }),
    patch: <T = unknown>(path: string, body: unknown) => call<T>('PATCH', path, { body }),
  };
}
type Client = ReturnType<typeof client>;

function expectStatus(res: Answer, status: number | number[], what: string): void {
  const wanted = Array.isArray(status) ? status : [status];
  if (!wanted.includes(res.status)) {
    const detail = typeof res.body === 'string' ? res.body.slice(0, 300) : JSON.stringify(res.body)?.slice(0, 400);
    throw new WalkError(`${what}: expected ${wanted.join(' or ')}, got ${res.status} ${detail}`, res.fn ? { fn: res.fn, text: typeof res.body === 'string' ? res.body : JSON.stringify(res.body), status: res.status } : undefined);
  }
}
function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new WalkError(message);
}
/** Set by walk(): a fatal finding while a step waits ends the wait (nothing will come). */
let stopWaiting: () => string | undefined = () => undefined;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const stop = stopWaiting();
    if (stop) throw new WalkError(`${what}: stopped waiting, ${stop}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new WalkError(`${what}: not reached in ${Math.round(timeoutMs / 1000)} s${last ? ` (${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

interface Flow {
  name: string;
  steps: { name: string; run: () => Promise<void> }[];
}

export async function walk(rehearsal: Rehearsal, options: { only?: string[]; log(line: string): void }): Promise<StepResult[]> {
  const base = rehearsal.gateway!.url;
  const sandboxes = rehearsal.world.sandboxes!;
  const as = async (tenant: string, role: 'admin' | 'member', uid: string) => client(base, await rehearsal.token(tenant, role, uid));
  const publicBase = (fn: string) => (rehearsal.rendering.functions.find((f) => f.name === fn)?.env.PUBLIC_BASE_URL ?? rehearsal.publicUrls.at(-1)!).replace(/\/$/, '');
  const shared: { clinicNumber?: { id: string; phoneNumber: string } } = {};

  const flows: Flow[] = [];

  // clinic-twilio-numbers.md: numbers per clinic location.
  {
    let admin: Client;
    let member: Client;
    let locationId: string;
    flows.push({
      name: 'clinic: a Twilio number for a location',
      steps: [
        {
          name: 'create a location (admin)',
          run: async () => {
            admin = await as('clinic-rh', 'admin', 'ops-lead');
            member = await as('clinic-rh', 'member', 'reception');
            const res = await admin.post<Out<typeof schemas.LocationResource>>('/v1/locations', { name: 'Downtown Clinic', address: '1 Main St', timezone: 'America/Los_Angeles' });
            expectStatus(res, 201, 'POST /v1/locations');
            locationId = res.body.id;
          },
        },
        {
          name: 'search and buy a Twilio number for it',
          run: async () => {
            const found = await member.get<Out<typeof schemas.AvailableNumbersResponse>>('/v1/numbers/available?provider=twilio&areaCode=415&limit=1');
            expectStatus(found, 200, 'GET /v1/numbers/available');
            const phoneNumber = found.body.data?.[0]?.phoneNumber;
            check(phoneNumber, 'the search found no number');
            const bought = await member.post<Out<typeof schemas.PhoneNumberResource>>('/v1/numbers', { provider: 'twilio', phoneNumber, displayName: 'Downtown Reminders', purpose: 'sms', locationId });
            expectStatus(bought, 201, 'POST /v1/numbers');
            check(bought.body.locationId === locationId && bought.body.smsEnabled === true, `the number is not the location's SMS line: ${JSON.stringify(bought.body)}`);
            shared.clinicNumber = { id: bought.body.id, phoneNumber };
          },
        },
        {
          name: 'list the location’s numbers',
          run: async () => {
            const list = await member.get<Out<typeof schemas.NumbersPage>>(`/v1/numbers?locationId=${locationId}`);
            expectStatus(list, 200, 'GET /v1/numbers?locationId=');
            check(list.body.data.some((n: { id: string }) => n.id === shared.clinicNumber?.id), 'the number is not listed under its location');
          },
        },
      ],
    });
  }

  // ai-agent-byo-numbers.md: the tenant's own Plivo account.
  {
    let admin: Client;
    let member: Client;
    let accountId: string;
    flows.push({
      name: 'ai-agent: bring your own Plivo account',
      steps: [
        {
          name: 'add the Plivo account (credentials verified, stored in Secret Manager)',
          run: async () => {
            admin = await as('voice-rh', 'admin', 'founder');
            member = await as('voice-rh', 'member', 'dev');
            const res = await admin.post<Out<typeof schemas.ProviderAccountResource>>('/v1/provider-accounts', { provider: 'plivo', credentials: CUSTOMER_SANDBOX_ACCOUNTS.plivo });
            expectStatus(res, 201, 'POST /v1/provider-accounts');
            check(!JSON.stringify(res.body).includes(CUSTOMER_SANDBOX_ACCOUNTS.plivo.authToken), 'the answer shows the auth token');
            accountId = res.body.id;
          },
        },
        {
          name: 'buy a number on the tenant’s account',
          run: async () => {
            const found = await member.get<Out<typeof schemas.AvailableNumbersResponse>>('/v1/numbers/available?provider=plivo&country=US&areaCode=212&limit=1');
            expectStatus(found, 200, 'GET /v1/numbers/available?provider=plivo');
            const phoneNumber = found.body.data?.[0]?.phoneNumber;
            check(phoneNumber, 'the search found no number');
            const bought = await member.post<Out<typeof schemas.PhoneNumberResource>>('/v1/numbers', { provider: 'plivo', phoneNumber });
            expectStatus(bought, 201, 'POST /v1/numbers (plivo)');
            check(bought.body.accountId === accountId && bought.body.status === 'active', `bought on ${bought.body.accountId} (${bought.body.status}), not the tenant's account ${accountId}`);
          },
        },
      ],
    });
  }

  // voxreach-vapi-imports.md: a BYO SIP trunk number imported into Vapi.
  flows.push({
    name: 'voxreach: import a BYO SIP trunk number into Vapi',
    steps: [
      {
        name: 'import the number',
        run: async () => {
          const member = await as('voxreach-rh', 'member', 'dev');
          const res = await member.post<Out<typeof schemas.PhoneNumberResource>>('/v1/numbers', {
            provider: 'vapi',
            source: { type: 'byo-sip-trunk', number: '+16175550101', gateways: [{ ip: '203.0.113.10' }], authUsername: 'trunk', authPassword: 'trunk-password-s3cret' },
            displayName: 'Agent line',
          });
          expectStatus(res, 201, 'POST /v1/numbers (vapi byo-sip-trunk)');
          check(res.body.status === 'active' && res.body.vapi?.source === 'byo-sip-trunk', `not an active Vapi import: ${JSON.stringify(res.body)}`);
          const credentials = await member.get('/v1/vapi/credentials');
          expectStatus(credentials, 200, 'GET /v1/vapi/credentials');
        },
      },
    ],
  });

  // telnyx-gig-numbers-fr.md: requirements → group → order → signed webhook → active.
  {
    let member: Client;
    let token: string;
    let requirements: { id: string; kind: string }[];
    let phoneNumber: string;
    let groupId: string;
    let providerGroupId: string;
    let numberId: string;
    const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 0x20), Buffer.from('\n%%EOF\n')]);
    flows.push({
      name: 'gig platform: a French Telnyx number',
      steps: [
        {
          name: 'requirements and a search with Telnyx filters',
          run: async () => {
            token = await rehearsal.token('gig-rh', 'member', 'ops');
            member = client(base, token);
            const reqs = await member.get<Out<typeof schemas.RequirementsResponse>>('/v1/requirements?country=FR&type=local');
            expectStatus(reqs, 200, 'GET /v1/requirements');
            requirements = reqs.body.requirements;
            const found = await member.get<Out<typeof schemas.AvailableNumbersResponse>>('/v1/numbers/available?provider=telnyx&country=FR&type=local&ndc=1&features=voice&limit=5');
            expectStatus(found, 200, 'GET /v1/numbers/available?provider=telnyx');
            const first = found.body.data?.[0]?.phoneNumber;
            check(first, 'the search found no number');
            phoneNumber = first;
          },
        },
        {
          name: 'requirement group: values and a document',
          run: async () => {
            const created = await member.post<Out<typeof schemas.RequirementGroupResource>>('/v1/requirement-groups', { country: 'FR', type: 'local' });
            expectStatus(created, 201, 'POST /v1/requirement-groups');
            groupId = created.body.id;
            const byKind = (kind: string) => requirements.find((r) => r.kind === kind)!;
            expectStatus(await member.post(`/v1/requirement-groups/${groupId}/values/${byKind('textual').id}`, { value: 'Gig Works SAS' }), 200, 'textual value');
            const address = await member.post<Out<typeof schemas.AddressResource>>('/v1/addresses', {
              businessName: 'Gig Works SAS',
              firstName: 'Ada',
              lastName: 'Martin',
              streetAddress: '8 Rue de Rivoli',
              locality: 'Paris',
              postalCode: '75004',
              country: 'FR',
            });
            expectStatus(address, 201, 'POST /v1/addresses');
            expectStatus(await member.post(`/v1/requirement-groups/${groupId}/values/${byKind('address').id}`, { addressId: address.body.id }), 200, 'address value');
            const form = new FormData();
            form.append('file', new Blob([new Uint8Array(PDF)]), 'electricity-bill.pdf');
            const upload = await fetch(`${base}/v1/requirement-groups/${groupId}/documents/${byKind('document').id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
            check(upload.status === 200, `document upload: ${upload.status} ${(await upload.text()).slice(0, 300)}`);
            const status = await member.get<Out<typeof schemas.RequirementGroupStatusResponse>>(`/v1/requirement-groups/${groupId}/status`);
            expectStatus(status, 200, 'GET status');
            check(status.body.isComplete === true, `the group is not complete: ${JSON.stringify(status.body)}`);
          },
        },
        {
          name: 'submit; Telnyx approves',
          run: async () => {
            // A submitted group has its Telnyx id.
            const submitted = await member.post<Out<typeof schemas.RequirementGroupResource> & { providerGroupId: string }>(`/v1/requirement-groups/${groupId}/submit`);
            expectStatus(submitted, 200, 'POST submit');
            providerGroupId = submitted.body.providerGroupId;
            await sandboxes.telnyx.approveRequirementGroup(providerGroupId);
            const status = await member.get<Out<typeof schemas.RequirementGroupStatusResponse> | undefined>(`/v1/requirement-groups/${groupId}/status`);
            check(status.body?.status === 'approved', `the group is not approved: ${JSON.stringify(status.body)}`);
          },
        },
        {
          name: 'order; Telnyx’s signed webhook makes the number active',
          run: async () => {
            const ordered = await member.post<Out<typeof schemas.PhoneNumberResource>>('/v1/numbers', { provider: 'telnyx', phoneNumber, externalRef: 'gig-42', displayName: 'Gig 42' }, { 'idempotency-key': `fr-order-${randomUUID()}` });
            expectStatus(ordered, 201, 'POST /v1/numbers (telnyx)');
            numberId = ordered.body.id;
            await until('the number active after the webhook', async () => {
              const n = await member.get<Out<typeof schemas.PhoneNumberResource> | undefined>(`/v1/numbers/${numberId}`);
              return n.body?.status === 'active' ? n : undefined;
            });
          },
        },
      ],
    });
  }

  // tollfree-desk-somos.md: search → reserve → activate → routing.
  {
    let admin: Client;
    let member: Client;
    let number: string;
    flows.push({
      name: 'toll-free desk: search, reserve, activate, route',
      steps: [
        {
          name: 'search',
          run: async () => {
            admin = await as('carrier-rh', 'admin', 'noc-admin');
            member = await as('carrier-rh', 'member', 'noc');
            const found = await member.get<Done<Out<typeof schemas.AvailableTollFreeResponse>>>('/v1/tollfree/available?npa=833&quantity=3');
            expectStatus(found, 200, 'GET /v1/tollfree/available');
            const first = found.body.data?.[0]?.number;
            check(first, 'the search found no number');
            number = first;
          },
        },
        {
          name: 'reserve (admin)',
          run: async () => {
            const reserved = await admin.post<Done<Out<typeof schemas.ReserveTollFreeResponse>>>('/v1/tollfree/reservations', { numbers: [`+1${number}`], contactName: 'NOC desk', contactPhone: '+13125550111' });
            expectStatus(reserved, 201, 'POST /v1/tollfree/reservations');
            check(reserved.body.data?.[0]?.status === 'reserved', `not reserved: ${JSON.stringify(reserved.body)}`);
          },
        },
        {
          name: 'activate with routing',
          run: async () => {
            const routing = {
              primary: { type: 'sip', destination: 'sip:support@sbc.carrier.example:5061' },
              timeOfDay: [{ days: ['sat', 'sun'], start: '00:00', end: '24:00', timezone: 'America/Chicago', destination: '+13125550123' }],
              areaOfService: { states: ['IL', 'WI'] },
            };
            const activated = await admin.post<Out<typeof schemas.TollFreeNumberOrPending>>(`/v1/tollfree/${number}/activate`, { routing });
            expectStatus(activated, 200, `POST /v1/tollfree/${number}/activate`);
            check(activated.body.status === 'active', `not active: ${JSON.stringify(activated.body)}`);
          },
        },
        {
          name: 'change the routing',
          run: async () => {
            const split = { primary: { type: 'pstn', destination: '+13125550140' }, percentage: [{ percent: 70, destination: '+13125550140' }, { percent: 30, destination: 'sip:overflow@sbc.carrier.example' }] };
            const changed = await admin.put(`/v1/tollfree/${number}/routing`, { routing: split });
            expectStatus(changed, 200, `PUT /v1/tollfree/${number}/routing`);
            const detail = await member.get<Out<typeof schemas.TollFreeDetail>>(`/v1/tollfree/${number}`);
            expectStatus(detail, 200, `GET /v1/tollfree/${number}`);
            const routing = detail.body.registryRouting;
            check(routing && 'percentage' in routing && routing.percentage?.length === 2, `the registry does not route by percentage: ${JSON.stringify(routing)}`);
          },
        },
      ],
    });
  }

  // A bulk job of 20: Pub/Sub push → chunk worker → tasks → items.
  {
    let member: Client;
    let jobId: string;
    flows.push({
      name: 'bulk: a purchase job of 20 numbers',
      steps: [
        {
          name: 'create the job',
          run: async () => {
            member = await as('bulk-rh', 'member', 'ops');
            const found = await member.get<Out<typeof schemas.AvailableNumbersResponse>>('/v1/numbers/available?provider=twilio&areaCode=212&limit=20');
            expectStatus(found, 200, 'GET /v1/numbers/available');
            const numbers = found.body.data.map((n) => n.phoneNumber);
            check(numbers.length === 20, `the search found ${numbers.length} numbers, not 20`);
            const created = await member.post<Out<typeof schemas.CreateJobResponse>>('/v1/jobs', { type: 'purchase', provider: 'twilio', items: numbers.map((phoneNumber) => ({ phoneNumber, tags: ['bulk'] })) }, { 'idempotency-key': `bulk-${randomUUID()}` });
            expectStatus(created, 202, 'POST /v1/jobs');
            check(created.body.itemCount === 20, `itemCount ${created.body.itemCount}`);
            jobId = created.body.id;
          },
        },
        {
          name: 'the job completes: 20 numbers bought',
          run: async () => {
            const job = await until(
              'the job finished',
              async () => {
                const res = await member.get<Out<typeof schemas.JobResource> | undefined>(`/v1/jobs/${jobId}`);
                return res.body?.finishedAt ? res.body : undefined;
              },
              90_000,
              500,
            );
            check(job.status === 'completed' && job.counts?.succeeded === 20, `job ${job.status}: ${JSON.stringify(job.counts)}`);
            const numbers = await member.get<Out<typeof schemas.NumbersPage>>('/v1/numbers?tag=bulk&limit=100');
            check(numbers.body.data?.length === 20, `${numbers.body.data?.length} numbers tagged bulk`);
          },
        },
      ],
    });
  }

  // clinic-twilio-numbers.md / inbound-relay: an inbound SMS relayed to the tenant's webhook.
  {
    let admin: Client;
    let member: Client;
    let secret: string;
    flows.push({
      name: 'inbound: an SMS relayed to the tenant’s webhook',
      steps: [
        {
          name: 'point the clinic’s number at its webhook; rotate the signing secret',
          run: async () => {
            check(rehearsal.world.receiver, 'no tenant webhook receiver (openssl missing?)');
            check(shared.clinicNumber, 'the clinic flow bought no number');
            admin = await as('clinic-rh', 'admin', 'ops-lead');
            member = await as('clinic-rh', 'member', 'reception');
            const rotated = await admin.post<Out<typeof schemas.SigningSecretResponse>>('/v1/signing-secret');
            expectStatus(rotated, [200, 201], 'POST /v1/signing-secret');
            secret = rotated.body.secret;
            const patched = await member.patch(`/v1/numbers/${shared.clinicNumber.id}`, { webhookUrl: `${rehearsal.world.receiver.url}/inbound` });
            expectStatus(patched, 200, 'PATCH /v1/numbers/{id} webhookUrl');
          },
        },
        {
          name: 'Twilio posts a signed inbound SMS; the tenant receives it signed',
          run: async () => {
            const number = shared.clinicNumber!;
            const url = `${publicBase('webhookTwilioInbound')}/webhooks/twilio/inbound`;
            const params = { AccountSid: SANDBOX_ACCOUNTS.twilio.accountSid, MessageSid: `SM${randomUUID().replace(/-/g, '')}`, From: '+14155550999', To: number.phoneNumber, Body: 'Can I move my appointment?', NumMedia: '0' };
            const signature = twilio.getExpectedTwilioSignature(SANDBOX_ACCOUNTS.twilio.authToken, url, params);
            const res = await fetch(`${base}/webhooks/twilio/inbound`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
              body: new URLSearchParams(params).toString(),
            });
            check(res.status === 200, `POST /webhooks/twilio/inbound: ${res.status} ${(await res.text()).slice(0, 300)}`);
            const receiver = rehearsal.world.receiver!;
            const delivery = await until('the delivery at the tenant’s webhook', async () => receiver.received.find((r) => r.body.includes(params.MessageSid) || r.body.includes(params.Body)), 30_000);
            const [t, v1] = String(delivery.headers['x-signature'] ?? '').split(',').map((part) => part.split('=')[1]);
            check(createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex') === v1, 'the delivery is not signed with the tenant’s signing secret');
            const deliveries = await member.get<Out<typeof schemas.DeliveriesPage>>(`/v1/deliveries?numberId=${number.id}`);
            expectStatus(deliveries, 200, 'GET /v1/deliveries');
            check(deliveries.body.data?.[0]?.status === 'delivered', `delivery ${JSON.stringify(deliveries.body.data?.[0])}`);
          },
        },
      ],
    });
  }

  // Cloud Scheduler: each job once, as the scheduler calls it (its URI, body and OIDC token).
  for (const job of rehearsal.rendering.schedulerJobs) {
    flows.push({
      name: `scheduler: ${job.name}`,
      steps: [
        {
          name: `${job.method} ${job.uri}`,
          run: async () => {
            const headers: Record<string, string> = { ...job.headers, 'user-agent': 'Google-Cloud-Scheduler' };
            if (job.oidc) headers.authorization = `Bearer ${await rehearsal.google.oidcToken(job.oidc.serviceAccount, job.oidc.audience ?? job.uri)}`;
            const status = await rehearsal.host.deliver(job.uri, { method: job.method, headers, body: Buffer.from(job.body ?? '') });
            check(status >= 200 && status < 300, `the scheduled call answered ${status}`);
            // What it enqueued runs before the next job (reconciliation fans out per account).
            await Promise.race([rehearsal.google.tasksIdle(5_000), new Promise((r) => setTimeout(r, 20_000))]);
          },
        },
      ],
    });
  }

  const routes = rehearsal.gateway?.routes ?? [];
  routeOf = (method, path) => routes.find((r) => r.method === method && r.match(path))?.operationId;

  const selected = options.only?.length ? flows.filter((f) => options.only!.some((o) => f.name.toLowerCase().includes(o.toLowerCase()))) : flows;
  const results: StepResult[] = [];
  for (const flow of selected) {
    options.log(`— ${flow.name}`);
    for (const step of flow.steps) {
      const started = Date.now();
      stopWaiting = () => {
        // Index findings change nothing here (the emulator serves the query anyway): only what breaks the flow.
        const fatal = rehearsal.findings.since(started).find((f) => f.fatal && f.kind !== 'index');
        return fatal ? `${fatal.function ? `${fatal.function}: ` : ''}${fatal.message}` : undefined;
      };
      try {
        await step.run();
        results.push({ flow: flow.name, step: step.name, ok: true, ms: Date.now() - started });
        options.log(`  ok   ${step.name} (${Date.now() - started} ms)`);
      } catch (err) {
        // Give the functions' last log lines and the findings a moment to arrive.
        await new Promise((r) => setTimeout(r, 200));
        const found = explainStep(rehearsal, started, err instanceof WalkError ? err.answer : undefined);
        const error = err instanceof WalkError ? err.message : String((err as Error)?.stack ?? err);
        results.push({ flow: flow.name, step: step.name, ok: false, ms: Date.now() - started, error, found });
        options.log(`  FAIL ${step.name} (${Date.now() - started} ms): ${error}`);
        for (const f of found) options.log(`       ↳ ${f}`);
        break; // the flow's next steps build on this one
      }
    }
  }
  return results;
}

/** What the rehearsal found while a failed step ran: settings named in logs, roles, secrets, indexes. */
function explainStep(rehearsal: Rehearsal, since: number, answer?: { fn: string; text: string; status: number }): string[] {
  for (const name of rehearsal.host.started) rehearsal.host.explain(name, since);
  rehearsal.host.settleDenials();
  // An answer that says which setting is missing (a 5xx naming one the function does not get).
  if (answer) rehearsal.explainAnswer(answer.fn, answer.status, answer.text);
  return rehearsal.findings.since(since).map((f) => `${f.fatal ? '' : '(warning) '}${f.function ? `${f.function}: ` : ''}${f.message}`);
}
