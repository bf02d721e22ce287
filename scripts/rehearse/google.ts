/**
 * The rehearsal's Google: what a deployed function reaches outside its process, on loopback.
 *
 * - Signing keys and key sets: Firebase ID tokens (securetoken) and Google-signed OIDC tokens
 *   (Cloud Tasks, Cloud Scheduler, Pub/Sub push, API Gateway's backend token) are signed with the
 *   rehearsal's keys; the functions fetch the public keys from the URLs they use in production
 *   (the preload maps Google's key URLs here).
 * - A metadata server per function process (GCE_METADATA_HOST): the function's service account
 *   (from Terraform) and access tokens naming it, as Cloud Run's metadata server gives them.
 * - An API front per Google API the functions call — Secret Manager and Cloud Tasks (the real
 *   client libraries, REST transport) and Pub/Sub (topics.publish over REST): it authenticates the
 *   caller from its access token, checks the permission against the IAM grants Terraform declares
 *   (./iam.ts), records the call, and forwards it to the stand-in service: the fake Secret Manager
 *   and fake Cloud Tasks of the integration tests (test/helpers/), and the Pub/Sub emulator.
 * - Cloud Tasks dispatch: each task created through the front is delivered to its URL (the
 *   function, through the rehearsal's Cloud Run front) with the OIDC token Cloud Tasks would mint,
 *   the X-CloudTasks-* headers, the queue's concurrency and retries.
 * - Pub/Sub push: the emulator's push subscriptions (created from Terraform's) push to a relay that
 *   adds the subscription's OIDC token, as Pub/Sub does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { startFakeSecretManager, type FakeSecretManager } from '../../test/helpers/fake-secret-manager.js';
import { startFakeCloudTasks, type FakeCloudTasks } from '../../test/helpers/fake-cloud-tasks.js';
import { checkPermission, memberOf, resources, rolesWith, type IamResource } from './iam.js';
import type { ApiCall, Findings } from './findings.js';
import type { IamBinding, RenderedQueue, RenderedSubscription } from './render.js';

export const PROJECT_NUMBER = '123456789012';
export const SECURETOKEN_JWKS = 'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';
export const GOOGLE_OIDC_JWKS = 'https://www.googleapis.com/oauth2/v3/certs';

export interface Listening {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening & { server: Server }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
};
const googleError = (res: ServerResponse, status: number, code: string, message: string) => sendJson(res, status, { error: { code: status, message, status: code } });

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}
async function signingKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomBytes(20).toString('hex');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface Identity {
  function: string;
  serviceAccount: string;
}

export interface TaskToDeliver {
  name: string;
  queue: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  oidc?: { serviceAccountEmail: string; audience?: string };
  scheduleTime: number;
  attempt: number;
}

/** A Cloud Tasks createTask request body (REST) as the client library sends it: what the front reads of it. */
interface CreateTaskBody {
  task?: {
    scheduleTime?: string;
    httpRequest?: {
      url?: string;
      /** The enum's name, or its number (1: POST); absent means POST. */
      httpMethod?: string | number;
      headers?: Record<string, string>;
      /** Base64. */
      body?: string;
      oidcToken?: { serviceAccountEmail?: string; audience?: string };
    };
  };
}

export interface GoogleOptions {
  projectId: string;
  region: string;
  iam: readonly IamBinding[];
  queues: readonly RenderedQueue[];
  topics: readonly string[];
  subscriptions: readonly RenderedSubscription[];
  pubsubEmulatorHost: string;
  findings: Findings;
  /** Delivers an HTTP request to a deployed URL (a function URL, the gateway): answers its status. */
  deliver(url: string, init: { method: string; headers: Record<string, string>; body: Buffer }): Promise<number>;
  log: (line: string) => void;
  /** Cap on a task's retry backoff (the rehearsal must end in minutes). */
  maxBackoffMs?: number;
}

export class Google {
  readonly calls: ApiCall[] = [];
  private readonly tokens = new Map<string, Identity>();
  private readonly closers: (() => Promise<void>)[] = [];
  private keys!: { securetoken: SigningKey; oauth2: SigningKey };
  private jwks!: Listening;
  secretManager!: FakeSecretManager;
  private cloudTasks!: FakeCloudTasks;
  fronts!: { secretmanager: Listening; cloudtasks: Listening; pubsub: Listening };
  private relay!: Listening;
  private readonly dispatcher: TaskDispatcher;

  constructor(readonly options: GoogleOptions) {
    this.dispatcher = new TaskDispatcher(options.queues, (task) => this.deliverTask(task), options.log, options.maxBackoffMs ?? 2000);
  }

  get projectId(): string {
    return this.options.projectId;
  }

  async start(options: { pubsub: boolean } = { pubsub: true }): Promise<void> {
    this.keys = { securetoken: await signingKey(), oauth2: await signingKey() };
    this.jwks = await listen((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/securetoken') return sendJson(res, 200, { keys: [this.keys.securetoken.jwk] }, { 'cache-control': 'public, max-age=3600' });
      if (path === '/oauth2/v3/certs') return sendJson(res, 200, { keys: [this.keys.oauth2.jwk] }, { 'cache-control': 'public, max-age=3600' });
      sendJson(res, 404, {});
    });
    this.closers.push(() => this.jwks.close());
    this.secretManager = await startFakeSecretManager();
    this.closers.push(() => this.secretManager.close());
    this.cloudTasks = await startFakeCloudTasks();
    this.closers.push(() => this.cloudTasks.close());
    this.fronts = {
      secretmanager: await listen((req, res) => void this.secretManagerFront(req, res)),
      cloudtasks: await listen((req, res) => void this.cloudTasksFront(req, res)),
      pubsub: await listen((req, res) => void this.pubsubFront(req, res)),
    };
    for (const front of Object.values(this.fronts)) this.closers.push(() => front.close());
    this.relay = await listen((req, res) => void this.pushRelay(req, res));
    this.closers.push(() => this.relay.close());
    this.closers.push(async () => this.dispatcher.close());
    if (options.pubsub) await this.setUpPubsub();
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  /** URL rewrites for the preload: Google's key sets and the REST endpoints of Pub/Sub and Cloud Tasks. */
  redirects(): { from: string; to: string; exact?: boolean }[] {
    return [
      { from: SECURETOKEN_JWKS, to: `${this.jwks.url}/securetoken`, exact: true },
      { from: GOOGLE_OIDC_JWKS, to: `${this.jwks.url}/oauth2/v3/certs`, exact: true },
      { from: 'https://pubsub.googleapis.com/', to: `${this.fronts.pubsub.url}/` },
      { from: 'https://cloudtasks.googleapis.com/', to: `${this.fronts.cloudtasks.url}/` },
    ];
  }
  /** Ports of the client-library fronts, for the preload (Secret Manager's client library). */
  apiPorts(): Record<string, number> {
    return { secretmanager: this.fronts.secretmanager.port };
  }
  /** Where a gateway validating Firebase tokens fetches keys from (securetoken's x-google-jwks_uri). */
  jwksUrlFor(uri: string): string | undefined {
    return this.redirects().find((r) => r.exact && r.from === uri)?.to;
  }

  // -------------------------------------------------------------------------------------------
  // Tokens

  /** A Firebase ID token, as Firebase Authentication issues it (custom claims tenantId, role). */
  async idToken(claims: { tenantId: string; role: string; uid: string; email?: string }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ tenantId: claims.tenantId, role: claims.role, auth_time: now, user_id: claims.uid, firebase: { identities: {}, sign_in_provider: 'password' }, ...(claims.email ? { email: claims.email } : {}) })
      .setProtectedHeader({ alg: 'RS256', kid: this.keys.securetoken.kid, typ: 'JWT' })
      .setIssuer(`https://securetoken.google.com/${this.projectId}`)
      .setAudience(this.projectId)
      .setSubject(claims.uid)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(this.keys.securetoken.privateKey);
  }

  /** A Google-signed OIDC ID token of a service account (what Cloud Tasks, Scheduler, Pub/Sub and API Gateway send). */
  async oidcToken(serviceAccount: string, audience: string): Promise<string> {
    return new SignJWT({ email: serviceAccount, email_verified: true, azp: `1${PROJECT_NUMBER}` })
      .setProtectedHeader({ alg: 'RS256', kid: this.keys.oauth2.kid, typ: 'JWT' })
      .setIssuer('https://accounts.google.com')
      .setAudience(audience)
      .setSubject(`1${PROJECT_NUMBER}${serviceAccount.length}`)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(this.keys.oauth2.privateKey);
  }

  /** The key set of OIDC tokens (the Cloud Run front verifies invokers' tokens with it). */
  oidcJwks(): { keys: JWK[] } {
    return { keys: [this.keys.oauth2.jwk] };
  }
  securetokenJwks(): { keys: JWK[] } {
    return { keys: [this.keys.securetoken.jwk] };
  }

  /** A metadata server for one function process: its service account and access tokens. */
  async metadataServer(identity: Identity): Promise<Listening> {
    const server = await listen((req, res) => {
      const url = new URL(req.url ?? '/', 'http://metadata');
      if (req.headers['metadata-flavor'] !== 'Google') return sendJson(res, 403, { error: 'Missing Metadata-Flavor: Google header' });
      const text = (body: string) => {
        res.writeHead(200, { 'metadata-flavor': 'Google', 'content-type': 'application/text' });
        res.end(body);
      };
      const json = (body: unknown) => {
        res.writeHead(200, { 'metadata-flavor': 'Google', 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const path = url.pathname.replace(/\/+$/, '');
      const sa = '/computeMetadata/v1/instance/service-accounts/';
      if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1') return text('');
      if (path === '/computeMetadata/v1/project/project-id') return text(this.projectId);
      if (path === '/computeMetadata/v1/project/numeric-project-id') return text(PROJECT_NUMBER);
      if (path === '/computeMetadata/v1/universe/universe-domain') return text('googleapis.com');
      if (path === '/computeMetadata/v1/instance/region') return text(`projects/${PROJECT_NUMBER}/regions/${this.options.region}`);
      if (path.startsWith(sa)) {
        const rest = path.slice(sa.length).split('/');
        const account = rest[0] === 'default' || rest[0] === identity.serviceAccount ? identity.serviceAccount : undefined;
        if (!account) return sendJson(res, 404, { error: 'no such service account' });
        if (rest.length === 1) return json({ aliases: ['default'], email: account, scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
        if (rest[1] === 'email') return text(account);
        if (rest[1] === 'scopes') return text('https://www.googleapis.com/auth/cloud-platform');
        if (rest[1] === 'token') {
          const token = `ya29.rehearsal-${randomBytes(24).toString('base64url')}`;
          this.tokens.set(token, identity);
          return json({ access_token: token, expires_in: 3599, token_type: 'Bearer' });
        }
        if (rest[1] === 'identity') {
          const audience = url.searchParams.get('audience');
          if (!audience) return sendJson(res, 400, { error: 'audience is required' });
          void this.oidcToken(account, audience).then(text);
          return;
        }
      }
      sendJson(res, 404, { error: `the rehearsal's metadata server has no ${path}` });
    });
    this.closers.push(() => server.close());
    return server;
  }

  // -------------------------------------------------------------------------------------------
  // The API fronts

  private identify(req: IncomingMessage): Identity | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    return match ? this.tokens.get(match[1]!) : undefined;
  }

  /**
   * Checks and records one permission; answers whether the call may proceed. A denial that only a
   * condition decides is recorded as a warning and let through (the condition model may be wrong).
   */
  /** Denied calls the front refused (the function saw PERMISSION_DENIED): settled by settleDenials(). */
  readonly denials: { function: string; serviceAccount: string; permission: string; resource: string; message: string; at: number; settled?: boolean }[] = [];

  /**
   * `enforced`: the front refuses a denied call, and whether that broke the function is judged later
   * (settleDenials); `observed`: the call was made regardless (Firestore, through its emulator), so a
   * denial is a finding at once; `start`: the caller reports it (secret env at start).
   */
  authorize(identity: Identity, api: string, permission: string, resource: IamResource, mode: 'enforced' | 'observed' | 'start' = 'enforced'): boolean {
    const decision = checkPermission(this.options.iam, memberOf(identity.serviceAccount), permission, resource);
    const allowed = decision.allowed ? true : decision.conditionDoubt ? 'condition-doubt' : false;
    this.calls.push({
      function: identity.function,
      serviceAccount: identity.serviceAccount,
      api,
      permission,
      resource: resource.describe,
      allowed,
      ...(decision.by ? { grantedBy: `${decision.by.role} (${decision.by.address})` } : {}),
      at: Date.now(),
    });
    if (allowed === true) return true;
    const roles = rolesWith(permission);
    if (allowed === 'condition-doubt') {
      // One warning per grant, permission and kind of resource (tenant secrets vary by name).
      const conditions = decision.conditionDoubt!.map((d) => `${d.binding.role} (${d.binding.address}) if ${JSON.stringify(d.binding.condition?.expression)} → ${d.evaluated} for resource.type=${JSON.stringify(resource.type)}, resource.name=${JSON.stringify(resource.name.replace(/tenant-[^/]+/, 'tenant-…'))}`);
      this.options.findings.add({
        kind: 'role',
        fatal: false,
        message: `${permission} on ${resource.describe.replace(/tenant-[^ ]+/, 'tenant-…')} is granted to ${identity.serviceAccount} only under a condition the rehearsal evaluates as not matching (another reading of Google's condition attributes would match; the call was let through): ${conditions.join('; ')}`,
      });
      return true;
    }
    const message = `its service account ${identity.serviceAccount} lacks ${permission} on ${resource.describe} — Terraform grants it no role that includes it (e.g. ${roles.slice(0, 2).join(' or ') || 'a role with it'})`;
    if (mode === 'observed') this.options.findings.add({ kind: 'role', function: identity.function, fatal: true, message });
    else if (mode === 'enforced') this.denials.push({ function: identity.function, serviceAccount: identity.serviceAccount, permission, resource: resource.describe, message, at: Date.now() });
    return false;
  }

  private denied(res: ServerResponse, permission: string, resource: IamResource): void {
    googleError(res, 403, 'PERMISSION_DENIED', `Permission '${permission}' denied on resource '${resource.name}' (or it may not exist).`);
  }

  private async forward(req: IncomingMessage, res: ServerResponse, target: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length', 'authorization'].includes(k)) headers[k] = v;
    const answer = await fetch(target, { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
    const text = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(text);
    return { status: answer.status, body: text };
  }

  private async secretManagerFront(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      const identity = this.identify(req);
      if (!identity) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      const url = new URL(req.url ?? '/', 'http://front');
      const path = decodeURIComponent(url.pathname);
      const S = '([^/:?]+)';
      let m: RegExpExecArray | null;
      let permission: string | undefined;
      let resource: IamResource | undefined;
      if (req.method === 'POST' && new RegExp(`^/v1/projects/${S}/secrets$`).test(path)) {
        permission = 'secretmanager.secrets.create';
        resource = resources.secretParent(PROJECT_NUMBER, this.projectId);
      } else if (req.method === 'POST' && (m = new RegExp(`^/v1/projects/${S}/secrets/${S}:addVersion$`).exec(path))) {
        permission = 'secretmanager.versions.add';
        resource = resources.secret(PROJECT_NUMBER, m[2]!, this.projectId);
      } else if (req.method === 'GET' && (m = new RegExp(`^/v1/projects/${S}/secrets/${S}/versions/${S}:access$`).exec(path))) {
        permission = 'secretmanager.versions.access';
        resource = resources.secretVersion(PROJECT_NUMBER, m[2]!, m[3]!, this.projectId);
      } else if (req.method === 'GET' && (m = new RegExp(`^/v1/projects/${S}/secrets/${S}/versions$`).exec(path))) {
        permission = 'secretmanager.versions.list';
        resource = resources.secret(PROJECT_NUMBER, m[2]!, this.projectId);
      } else if (req.method === 'POST' && (m = new RegExp(`^/v1/projects/${S}/secrets/${S}/versions/${S}:destroy$`).exec(path))) {
        permission = 'secretmanager.versions.destroy';
        resource = resources.secretVersion(PROJECT_NUMBER, m[2]!, m[3]!, this.projectId);
      } else if (req.method === 'DELETE' && (m = new RegExp(`^/v1/projects/${S}/secrets/${S}$`).exec(path))) {
        permission = 'secretmanager.secrets.delete';
        resource = resources.secret(PROJECT_NUMBER, m[2]!, this.projectId);
      }
      if (!permission || !resource) {
        this.options.findings.add({ kind: 'google', function: identity.function, fatal: true, message: `called Secret Manager ${req.method} ${path}, which the rehearsal does not model` });
        return googleError(res, 501, 'UNIMPLEMENTED', 'not modelled by the rehearsal');
      }
      const project = /^\/v1\/projects\/([^/]+)/.exec(path)?.[1];
      if (project !== this.projectId) {
        this.options.findings.add({ kind: 'setting', function: identity.function, fatal: true, message: `called Secret Manager in project ${project}, not the deployed project ${this.projectId}` });
        return this.denied(res, permission, resource);
      }
      if (!this.authorize(identity, 'secretmanager', permission, resource)) return this.denied(res, permission, resource);
      await this.forward(req, res, `http://127.0.0.1:${this.secretManager.port}${req.url}`, body);
    } catch (err) {
      if (!res.headersSent) googleError(res, 500, 'INTERNAL', String(err));
    }
  }

  private async cloudTasksFront(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const raw = await readBody(req);
      const identity = this.identify(req);
      if (!identity) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://front').pathname);
      const m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/queues\/([^/]+)\/tasks$/.exec(path);
      if (req.method !== 'POST' || !m) {
        this.options.findings.add({ kind: 'google', function: identity.function, fatal: true, message: `called Cloud Tasks ${req.method} ${path}, which the rehearsal does not model` });
        return googleError(res, 501, 'UNIMPLEMENTED', 'not modelled by the rehearsal');
      }
      const [, project, location, queue] = m as unknown as [string, string, string, string];
      const resource = resources.queue(project, location, queue);
      if (!this.authorize(identity, 'cloudtasks', 'cloudtasks.tasks.create', resource)) return this.denied(res, 'cloudtasks.tasks.create', resource);
      const declared = this.options.queues.find((q) => q.name === queue);
      if (project !== this.projectId || location !== this.options.region || !declared) {
        const why = project !== this.projectId ? `project ${project} is not the deployed ${this.projectId}` : location !== this.options.region ? `location ${location} is not where Terraform creates the queues (${this.options.region})` : `Terraform declares no queue ${queue}`;
        this.options.findings.add({ kind: 'setting', function: identity.function, fatal: true, message: `enqueues on ${project}/${location}/${queue}, which does not exist: ${why}` });
        return googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
      }
      const body = JSON.parse(raw.toString('utf8') || '{}') as CreateTaskBody;
      const httpRequest = body.task?.httpRequest;
      const oidc = httpRequest?.oidcToken;
      if (oidc?.serviceAccountEmail) {
        const sa = resources.serviceAccount(this.projectId, oidc.serviceAccountEmail);
        if (!this.authorize(identity, 'cloudtasks', 'iam.serviceAccounts.actAs', sa)) return this.denied(res, 'iam.serviceAccounts.actAs', sa);
      }
      const answer = await this.forward(req, res, `http://127.0.0.1:${this.cloudTasks.port}${req.url}`, raw);
      if (answer.status === 200 && httpRequest) {
        const created = JSON.parse(answer.body.toString('utf8')) as { name: string; scheduleTime?: string };
        const method = httpRequest.httpMethod;
        this.dispatcher.add({
          name: created.name,
          queue,
          url: String(httpRequest.url),
          method: method === 1 || method === 'POST' || method === undefined ? 'POST' : String(method),
          headers: httpRequest.headers ?? {},
          body: Buffer.from(String(httpRequest.body ?? ''), 'base64'),
          ...(oidc?.serviceAccountEmail ? { oidc: { serviceAccountEmail: oidc.serviceAccountEmail, ...(oidc.audience ? { audience: oidc.audience } : {}) } } : {}),
          scheduleTime: body.task?.scheduleTime ? Date.parse(String(body.task.scheduleTime)) : Date.now(),
          attempt: 0,
        });
      }
    } catch (err) {
      if (!res.headersSent) googleError(res, 500, 'INTERNAL', String(err));
    }
  }

  private async pubsubFront(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const raw = await readBody(req);
      const identity = this.identify(req);
      if (!identity) return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://front').pathname);
      const m = /^\/v1\/projects\/([^/]+)\/topics\/([^/:]+)(:publish)?$/.exec(path);
      if (!m) {
        this.options.findings.add({ kind: 'google', function: identity.function, fatal: true, message: `called Pub/Sub ${req.method} ${path}, which the rehearsal does not model` });
        return googleError(res, 501, 'UNIMPLEMENTED', 'not modelled by the rehearsal');
      }
      const [, project, topic, publish] = m as unknown as [string, string, string, string | undefined];
      const permission = publish ? 'pubsub.topics.publish' : req.method === 'PUT' ? 'pubsub.topics.create' : 'pubsub.topics.get';
      const resource = resources.topic(project, topic);
      if (!this.authorize(identity, 'pubsub', permission, resource)) return this.denied(res, permission, resource);
      if (project !== this.projectId || !this.options.topics.includes(topic)) {
        this.options.findings.add({ kind: 'setting', function: identity.function, fatal: true, message: `publishes to ${project}/${topic}, a topic Terraform does not create` });
        return googleError(res, 404, 'NOT_FOUND', 'Resource not found (resource=' + topic + ').');
      }
      await this.forward(req, res, `http://${this.options.pubsubEmulatorHost}${req.url}`, raw);
    } catch (err) {
      if (!res.headersSent) googleError(res, 500, 'INTERNAL', String(err));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Secret Manager contents (what operators add out of band)

  createSecret(id: string): void {
    const key = `${this.projectId}/${id}`;
    if (!this.secretManager.secrets.has(key)) {
      this.secretManager.secrets.set(key, { labels: {}, replication: { automatic: {} }, createTime: new Date().toISOString(), versions: [] });
    }
  }
  addSecretVersion(id: string, value: string): void {
    this.createSecret(id);
    const secret = this.secretManager.secrets.get(`${this.projectId}/${id}`)!;
    secret.versions.push({ version: (secret.versions.at(-1)?.version ?? 0) + 1, data: Buffer.from(value, 'utf8'), createTime: new Date().toISOString() });
  }
  /** A secret's value as the runtime resolves a secret environment variable (undefined: no such version). */
  secretValue(id: string, version: string): string | undefined {
    const secret = this.secretManager.secrets.get(`${this.projectId}/${id}`);
    const v = version === 'latest' ? secret?.versions.filter((x) => (x.state ?? 'ENABLED') === 'ENABLED').at(-1) : secret?.versions.find((x) => String(x.version) === version);
    return v?.data.toString('utf8');
  }
  secretExists(id: string): boolean {
    return this.secretManager.secrets.has(`${this.projectId}/${id}`);
  }

  // -------------------------------------------------------------------------------------------
  // Cloud Tasks dispatch

  private async deliverTask(task: TaskToDeliver): Promise<number> {
    const headers: Record<string, string> = {
      ...task.headers,
      'user-agent': 'Google-Cloud-Tasks',
      'x-cloudtasks-queuename': task.queue,
      'x-cloudtasks-taskname': task.name.split('/').pop()!,
      'x-cloudtasks-taskretrycount': String(task.attempt),
      'x-cloudtasks-taskexecutioncount': String(task.attempt),
      'x-cloudtasks-tasketa': (task.scheduleTime / 1000).toFixed(6),
    };
    if (task.oidc) headers.authorization = `Bearer ${await this.oidcToken(task.oidc.serviceAccountEmail, task.oidc.audience ?? task.url)}`;
    return this.options.deliver(task.url, { method: task.method, headers, body: task.body });
  }

  /** Resolves when no task is waiting or running (optionally only those due within `horizonMs`). */
  tasksIdle(horizonMs = 60_000): Promise<void> {
    return this.dispatcher.idle(horizonMs);
  }
  taskStats(): Record<string, { dispatched: number; failed: number; pending: number }> {
    return this.dispatcher.stats;
  }

  // -------------------------------------------------------------------------------------------
  // Pub/Sub: Terraform's topics and push subscriptions, on the emulator

  private async setUpPubsub(): Promise<void> {
    const base = `http://${this.options.pubsubEmulatorHost}/v1/projects/${this.projectId}`;
    const put = async (path: string, body: unknown) => {
      const res = await fetch(`${base}/${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok && res.status !== 409) throw new Error(`Pub/Sub emulator: PUT ${path} → ${res.status} ${await res.text()}`);
    };
    for (const topic of this.options.topics) await put(`topics/${topic}`, {});
    // Pub/Sub's service agent signs the push tokens as the subscription's identity (it needs the token creator role on it).
    const agent = `serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    for (const sub of this.options.subscriptions) {
      if (!this.options.topics.includes(sub.topic)) {
        this.options.findings.add({ kind: 'setting', fatal: true, message: `subscription ${sub.name} reads topic ${sub.topic}, which Terraform does not create` });
        continue;
      }
      if (sub.oidc) {
        const decision = checkPermission(this.options.iam, agent, 'iam.serviceAccounts.getOpenIdToken', resources.serviceAccount(this.projectId, sub.oidc.serviceAccount));
        if (!decision.allowed) {
          this.options.findings.add({ kind: 'role', fatal: true, message: `Pub/Sub's service agent cannot sign ${sub.name}'s push tokens as ${sub.oidc.serviceAccount} (no roles/iam.serviceAccountTokenCreator on it)` });
        }
      }
      if (sub.deadLetter) {
        const publish = checkPermission(this.options.iam, agent, 'pubsub.topics.publish', resources.topic(this.projectId, sub.deadLetter.topic));
        const consume = checkPermission(this.options.iam, agent, 'pubsub.subscriptions.consume', resources.subscription(this.projectId, sub.name));
        if (!publish.allowed) this.options.findings.add({ kind: 'role', fatal: true, message: `Pub/Sub's service agent cannot forward ${sub.name}'s dead letters: no roles/pubsub.publisher on topic ${sub.deadLetter.topic}` });
        if (!consume.allowed) this.options.findings.add({ kind: 'role', fatal: true, message: `Pub/Sub's service agent cannot forward ${sub.name}'s dead letters: no roles/pubsub.subscriber on subscription ${sub.name}` });
      }
      await put(`subscriptions/${sub.name}`, {
        topic: `projects/${this.projectId}/topics/${sub.topic}`,
        ackDeadlineSeconds: sub.ackDeadlineSeconds ?? 10,
        ...(sub.pushEndpoint ? { pushConfig: { pushEndpoint: `${this.relay.url}/${encodeURIComponent(sub.name)}` } } : {}),
        // Terraform's minimum backoff; the maximum capped (the rehearsal must end in minutes).
        retryPolicy: { minimumBackoff: `${Math.min(sub.minBackoffSeconds ?? 10, 5)}s`, maximumBackoff: `${Math.min(sub.maxBackoffSeconds ?? 600, 10)}s` },
        ...(sub.deadLetter ? { deadLetterPolicy: { deadLetterTopic: `projects/${this.projectId}/topics/${sub.deadLetter.topic}`, maxDeliveryAttempts: sub.deadLetter.maxDeliveryAttempts } } : {}),
      });
    }
  }

  private async pushRelay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://relay').pathname.slice(1));
    const sub = this.options.subscriptions.find((s) => s.name === name);
    const body = await readBody(req);
    if (!sub?.pushEndpoint) {
      res.writeHead(404).end();
      return;
    }
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)' };
      if (sub.oidc) headers.authorization = `Bearer ${await this.oidcToken(sub.oidc.serviceAccount, sub.oidc.audience ?? sub.pushEndpoint)}`;
      const status = await this.options.deliver(sub.pushEndpoint, { method: 'POST', headers, body });
      res.writeHead(status).end();
    } catch (err) {
      this.options.log(`push ${name}: ${String(err)}`);
      res.writeHead(502).end();
    }
  }
}

/** Delivers tasks at their schedule time, per queue at most maxConcurrentDispatches at once, retrying failures. */
class TaskDispatcher {
  readonly stats: Record<string, { dispatched: number; failed: number; pending: number }> = {};
  private readonly running = new Map<string, number>();
  private readonly waiting: TaskToDeliver[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idleWaiters: { horizon: number; resolve: () => void }[] = [];

  constructor(
    private readonly queues: readonly RenderedQueue[],
    private readonly deliver: (task: TaskToDeliver) => Promise<number>,
    private readonly log: (line: string) => void,
    private readonly maxBackoffMs: number,
  ) {}

  add(task: TaskToDeliver): void {
    (this.stats[task.queue] ??= { dispatched: 0, failed: 0, pending: 0 }).pending++;
    this.waiting.push(task);
    this.pump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }

  idle(horizonMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push({ horizon: horizonMs, resolve });
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    const busy = [...this.running.values()].some((n) => n > 0);
    for (const waiter of [...this.idleWaiters]) {
      const due = this.waiting.some((t) => t.scheduleTime <= Date.now() + waiter.horizon);
      if (!busy && !due) {
        this.idleWaiters.splice(this.idleWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  private pump(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    this.waiting.sort((a, b) => a.scheduleTime - b.scheduleTime);
    for (const task of [...this.waiting]) {
      if (task.scheduleTime > now) continue;
      const limit = this.queues.find((q) => q.name === task.queue)?.maxConcurrentDispatches ?? 10;
      const running = this.running.get(task.queue) ?? 0;
      if (running >= limit) continue;
      this.waiting.splice(this.waiting.indexOf(task), 1);
      this.running.set(task.queue, running + 1);
      void this.run(task);
    }
    const next = this.waiting.find((t) => t.scheduleTime > now);
    if (next) {
      this.timer = setTimeout(() => this.pump(), Math.max(5, next.scheduleTime - now));
      this.timer.unref();
    }
    this.checkIdle();
  }

  private async run(task: TaskToDeliver): Promise<void> {
    const stats = this.stats[task.queue]!;
    let status = 0;
    try {
      status = await this.deliver(task);
    } catch (err) {
      this.log(`task ${task.name}: ${String(err)}`);
    }
    this.running.set(task.queue, (this.running.get(task.queue) ?? 1) - 1);
    if (status >= 200 && status < 300) {
      stats.dispatched++;
      stats.pending--;
    } else {
      const queue = this.queues.find((q) => q.name === task.queue);
      const maxAttempts = queue?.maxAttempts ?? 100;
      if (task.attempt + 1 >= maxAttempts || maxAttempts === 0) {
        stats.failed++;
        stats.pending--;
        this.log(`task ${task.name.split('/').pop()} on ${task.queue}: gave up after ${task.attempt + 1} attempts (last status ${status})`);
      } else {
        const min = (queue?.minBackoffSeconds ?? 0.1) * 1000;
        const backoff = Math.min(this.maxBackoffMs, (queue?.maxBackoffSeconds ?? 3600) * 1000, min * 2 ** task.attempt);
        this.waiting.push({ ...task, attempt: task.attempt + 1, scheduleTime: Date.now() + backoff });
      }
    }
    this.pump();
  }
}

export const newRequestId = () => randomUUID();
