/**
 * The rehearsal's Cloud Run: one functions-framework process per function, started on its first
 * request (as a service scales from zero) and kept, each with ONLY the environment Terraform gives
 * it — nothing of the rehearsal's own environment leaks in — plus what the platform itself sets
 * (PORT, K_SERVICE, FUNCTION_TARGET, …) and the outside world (emulator hosts, the metadata server,
 * the providers' sandboxes). Secret environment variables are resolved at start from the
 * rehearsal's Secret Manager with the function's own identity, as Cloud Run does.
 *
 * In front of the processes, the invoker check Cloud Run makes: a function nobody made public
 * (allUsers) answers 403 to any request without a Google-signed token of a member holding
 * roles/run.invoker on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { checkPermission, memberOf, resources } from './iam.js';
import type { Findings } from './findings.js';
import { listen, readBody, type Google, type Listening } from './google.js';
import { checkQuery, describeIndex, describeShape, queryShapes } from './indexes.js';
import type { Rendering, RenderedFunction } from './render.js';

export interface HostOptions {
  rendering: Rendering;
  google: Google;
  findings: Findings;
  /** The deployed source root (what Cloud Build unpacks to /workspace): the processes' cwd. */
  workspace: string;
  /** 'dist': the built package (the deploy); 'ts': functions/index.ts through tsx (fast tests). */
  mode: 'dist' | 'ts';
  repoRoot: string;
  /** The outside world's addresses (emulators, provider sandboxes), added to every function's environment. */
  outsideEnv: Record<string, string>;
  /** Tenant webhook hosts the preload routes to the rehearsal's receiver. */
  hosts?: Record<string, { address: string; port: number; ca: string }>;
  /** The gateway's public origins (https://…) and where it listens here. */
  gateway?: { publicUrls: string[]; localUrl: () => string };
  logDir: string;
  log(line: string): void;
}

interface Process {
  fn: RenderedFunction;
  port: number;
  child: ChildProcess;
  metadata: Listening;
  lines: { at: number; text: string }[];
  exited?: string;
  logFile: WriteStream;
}

/** The configuration keys shared/config.ts reads (to name a missing one in a failure). */
export function configKeys(repoRoot: string): string[] {
  const text = readFileSync(path.join(repoRoot, 'shared/config.ts'), 'utf8');
  return [...new Set([...text.matchAll(/^\s{4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!))];
}

export class StartFailure extends Error {
  constructor(readonly fn: string, readonly problems: string[]) {
    super(problems.map((p) => `${fn}: ${p}`).join('\n'));
    this.name = 'StartFailure';
  }
}

const WORKSPACE = '/workspace';

/** Every function process running: killed when the rehearsal's own process exits, however it ends. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export class FunctionHost {
  private server!: Listening;
  private readonly processes = new Map<string, Promise<Process>>();
  private readonly procs = new Map<string, Process>();
  /** Every request a function served: when, and its answer. */
  readonly requests: { fn: string; start: number; end?: number; status?: number }[] = [];
  private readonly byName: Map<string, RenderedFunction>;
  private readonly keys: string[];
  private preloadFile!: string;
  readonly startTimes: Record<string, number> = {};
  private oidcKeys: ReturnType<typeof createLocalJWKSet> | undefined;

  constructor(readonly options: HostOptions) {
    this.byName = new Map(options.rendering.functions.map((f) => [f.name, f]));
    this.keys = configKeys(options.repoRoot);
  }

  get url(): string {
    return this.server.url;
  }
  /** Functions whose process was started. */
  get started(): string[] {
    return [...this.processes.keys()];
  }

  async start(): Promise<void> {
    await mkdir(this.options.logDir, { recursive: true });
    this.preloadFile = path.join(this.options.logDir, 'preload.cfg');
    await writeFile(
      this.preloadFile,
      JSON.stringify({ apis: this.options.google.apiPorts(), redirects: this.options.google.redirects(), hosts: this.options.hosts ?? {} }),
    );
    this.server = await listen((req, res) => void this.handle(req, res));
  }

  async close(): Promise<void> {
    await this.server?.close();
    await Promise.all(
      [...this.procs.values()].map(async (proc) => {
        if (!proc.exited) {
          const exited = new Promise((r) => proc.child.once('exit', r));
          proc.child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
          if (!proc.exited) proc.child.kill('SIGKILL');
        }
        proc.logFile.end();
        await proc.metadata.close();
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Addressing: the deployed URLs of the functions

  /** A deployed URL → the function and the path it sees (Cloud Functions strips /NAME from cloudfunctions.net URLs). */
  resolve(url: string): { fn: RenderedFunction; path: string } | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    const { projectId, region } = this.options.rendering;
    if (u.hostname === `${region}-${projectId}.cloudfunctions.net`) {
      const [, name = '', ...rest] = u.pathname.split('/');
      const fn = this.byName.get(name);
      return fn ? { fn, path: `/${rest.join('/')}${u.search}` } : undefined;
    }
    for (const fn of this.byName.values()) {
      if (new URL(fn.runUrl).hostname === u.hostname) return { fn, path: `${u.pathname}${u.search}` };
    }
    return undefined;
  }

  /** Delivers a request to a deployed URL (tasks, pushes, scheduler): its status. */
  async deliver(url: string, init: { method: string; headers: Record<string, string>; body: Buffer }): Promise<number> {
    const target = this.resolve(url);
    let local: string;
    if (target) local = `${this.url}/${target.fn.name}${target.path}`;
    else if (this.options.gateway?.publicUrls.some((origin) => url.startsWith(`${origin}/`))) {
      const origin = this.options.gateway.publicUrls.find((o) => url.startsWith(`${o}/`))!;
      local = this.options.gateway.localUrl() + url.slice(origin.length);
    } else {
      this.options.findings.add({ kind: 'setting', fatal: true, message: `a task or push is addressed to ${url}, which is no deployed function (FUNCTIONS_BASE_URL/PUBLIC_BASE_URL as Terraform sets them)` });
      return 404;
    }
    const res = await fetch(local, { method: init.method, headers: init.headers, ...(init.body.length ? { body: new Uint8Array(init.body) } : {}), redirect: 'manual' });
    await res.arrayBuffer();
    return res.status;
  }

  /** The local address of a deployed function URL (what the gateway forwards to). */
  localUrl(url: string): string | undefined {
    const target = this.resolve(url);
    return target ? `${this.url}/${target.fn.name}${target.path}` : undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Cloud Run's front: invoker check, then the function's process

  private async invokerAllowed(fn: RenderedFunction, req: IncomingMessage): Promise<{ ok: true } | { ok: false; status: number; why: string }> {
    const { iam, projectId, region } = this.options.rendering;
    const resource = resources.runService(projectId, region, fn.name);
    if (checkPermission(iam, 'allUsers', 'run.routes.invoke', resource).allowed) return { ok: true };
    const match = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''));
    if (!match) return { ok: false, status: 403, why: 'no identity token (the function is not public)' };
    this.oidcKeys ??= createLocalJWKSet(this.options.google.oidcJwks());
    let email: string;
    try {
      const { payload } = await jwtVerify(match[1]!, this.oidcKeys, { issuer: ['https://accounts.google.com', 'accounts.google.com'], audience: [fn.url, fn.runUrl, fn.url.replace(/\/[^/]+$/, ''), `${fn.runUrl}/`] });
      email = String(payload.email);
    } catch (err) {
      return { ok: false, status: 401, why: `its token is not a Google identity token for this function (${(err as Error).message})` };
    }
    if (checkPermission(iam, memberOf(email), 'run.routes.invoke', resource).allowed) return { ok: true };
    return { ok: false, status: 403, why: `${email} has no roles/run.invoker on it` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [, name = '', ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    const fn = this.byName.get(name);
    if (!fn) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no function ${name}`);
      return;
    }
    const allowed = await this.invokerAllowed(fn, req);
    if (!allowed.ok) {
      this.options.findings.add({ kind: 'role', function: fn.name, fatal: true, message: `a caller was refused by Cloud Run's invoker check: ${allowed.why}` });
      res.writeHead(allowed.status, { 'content-type': 'text/html; charset=UTF-8' }).end(`<html><body>Error: ${allowed.status === 401 ? 'Unauthorized' : 'Forbidden'}. Your client does not have permission to get URL /${rest.join('/')} from this server.</body></html>`);
      return;
    }
    let proc: Process;
    try {
      proc = await this.ensure(fn.name);
    } catch (err) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end(`the function did not start: ${(err as Error).message}`);
      return;
    }
    const body = await readBody(req);
    const record: { fn: string; start: number; end?: number; status?: number } = { fn: fn.name, start: Date.now() };
    this.requests.push(record);
    res.once('close', () => {
      record.end = Date.now();
      record.status = res.statusCode;
    });
    const headers = { ...req.headers };
    delete headers.host;
    headers.host = new URL(fn.url).host;
    headers['x-forwarded-proto'] = 'https';
    const upstream = httpRequest({ host: '127.0.0.1', port: proc.port, method: req.method, path: `/${rest.join('/')}${query}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(`the function's process did not answer: ${String(err)}${proc.exited ? ` (it exited: ${proc.exited})` : ''}`);
    });
    upstream.end(body);
  }

  // -------------------------------------------------------------------------------------------
  // Processes

  /** Starts a function's process if it is not running (its start check included). */
  ensure(name: string): Promise<Process> {
    let started = this.processes.get(name);
    if (!started) {
      started = this.launch(name);
      this.processes.set(name, started);
    }
    return started;
  }

  /** The environment Terraform gives the function, as it reaches the process (no more, no less). */
  async environment(fn: RenderedFunction, port: number, metadataHost: string): Promise<{ env: Record<string, string>; problems: string[] }> {
    const problems: string[] = [...fn.problems];
    const workspaceRoot = this.options.workspace;
    const rendered: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.env)) {
      // The deploy's /workspace is the rehearsal's staged source root.
      rendered[key] = value === WORKSPACE || value.startsWith(`${WORKSPACE}/`) ? workspaceRoot + value.slice(WORKSPACE.length) : value;
    }
    const google = this.options.google;
    for (const secret of fn.secretEnv) {
      if (secret.key in rendered) problems.push(`${secret.key} is both an environment variable and a secret environment variable`);
      if (!fn.serviceAccount) {
        problems.push(`cannot resolve secret env ${secret.key}: the function's service account is not known`);
        continue;
      }
      if (!this.options.rendering.secrets.includes(secret.secret) && !google.secretExists(secret.secret)) {
        problems.push(`secret env ${secret.key}: secret ${secret.secret} is not declared in Terraform (google_secret_manager_secret)`);
        continue;
      }
      const resource = resources.secretVersion('123456789012', secret.secret, secret.version, this.options.rendering.projectId);
      const allowed = google.authorize({ function: fn.name, serviceAccount: fn.serviceAccount }, 'secretmanager', 'secretmanager.versions.access', resource, 'start');
      if (!allowed) {
        problems.push(`secret env ${secret.key}: its service account ${fn.serviceAccount} may not read secret ${secret.secret} (Cloud Run fails the revision)`);
        continue;
      }
      const value = google.secretValue(secret.secret, secret.version);
      if (value === undefined) {
        problems.push(`secret env ${secret.key}: secret ${secret.secret} has no version ${secret.version} (its value is added out of band; the rehearsal has none for it — see scripts/rehearse/world.ts)`);
        continue;
      }
      rendered[secret.key] = value;
    }
    const platform = {
      PORT: String(port),
      K_SERVICE: fn.name.toLowerCase(),
      K_REVISION: `${fn.name.toLowerCase()}-00001-reh`,
      K_CONFIGURATION: fn.name.toLowerCase(),
      FUNCTION_TARGET: fn.entryPoint,
      FUNCTION_SIGNATURE_TYPE: 'http',
      NODE_ENV: 'production',
    };
    const outside: Record<string, string> = { ...this.options.outsideEnv, GCE_METADATA_HOST: metadataHost };
    for (const key of Object.keys(outside)) if (key in rendered) delete outside[key]; // Terraform's value wins
    const env = {
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: path.join(this.options.logDir, 'home'),
      ...platform,
      ...outside,
      ...rendered,
    };
    return { env, problems };
  }

  private async launch(name: string, attempt = 1): Promise<Process> {
    const fn = this.byName.get(name);
    if (!fn) throw new StartFailure(name, ['Terraform deploys no such function']);
    const t0 = Date.now();
    const serviceAccount = fn.serviceAccount ?? 'unknown';
    const metadata = await this.options.google.metadataServer({ function: name, serviceAccount });
    const port = await freePort();
    const { env, problems } = await this.environment(fn, port, `127.0.0.1:${metadata.port}`);
    if (problems.length) {
      await metadata.close();
      for (const p of problems) this.options.findings.add({ kind: p.includes('secret') ? 'secret' : 'start', function: name, fatal: true, message: p });
      throw new StartFailure(name, problems);
    }
    await mkdir(env.HOME!, { recursive: true });
    const preload = `${pathToFileURL(path.join(this.options.repoRoot, 'scripts/rehearse/preload.mjs')).href}?config=${encodeURIComponent(this.preloadFile)}`;
    const framework = path.join(this.options.repoRoot, 'node_modules/@google-cloud/functions-framework/build/src/main.js');
    const args =
      this.options.mode === 'ts'
        ? ['--import', 'tsx', '--import', preload, framework, `--target=${fn.entryPoint}`, '--signature-type=http', `--source=${path.join(this.options.repoRoot, 'functions/index.ts')}`]
        : ['--import', preload, framework, `--target=${fn.entryPoint}`, '--signature-type=http'];
    const child = spawn(process.execPath, args, { cwd: this.options.workspace, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    // Never outlive the rehearsal, however it ends.
    children.add(child);
    child.once('exit', () => children.delete(child));
    const logFile = createWriteStream(path.join(this.options.logDir, `${name}.log`), { flags: 'w' });
    const proc: Process = { fn, port, child, metadata, lines: [], logFile };
    this.procs.set(name, proc);
    const onLine = (text: string) => {
      proc.lines.push({ at: Date.now(), text });
      // A failure that names a setting the function lacks is a finding as soon as it is logged.
      if (!text.startsWith('{') || /"severity":"(ERROR|WARNING|CRITICAL|ALERT)"/.test(text)) explainLines(fn, [text], this.keys, this.options.findings);
      if (proc.lines.length > 2000) proc.lines.splice(0, 500);
      logFile.write(`${text}\n`);
    };
    for (const stream of [child.stdout!, child.stderr!]) {
      let buffer = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, i));
          buffer = buffer.slice(i + 1);
        }
      });
    }
    child.on('message', (message: Record<string, unknown>) => this.onReport(fn, message));
    child.once('exit', (code, signal) => {
      proc.exited = signal ? `signal ${signal}` : `code ${code}`;
    });
    child.once('error', (err) => {
      proc.exited = `could not be spawned: ${err.message} (cwd ${this.options.workspace})`;
    });
    // Cloud Run's startup probe: the port accepts connections.
    const deadline = Date.now() + 30_000;
    while (!(await canConnect(port))) {
      if (proc.exited || Date.now() > deadline) {
        const tail = proc.lines.slice(-15).map((l) => l.text).join('\n');
        const problem = `its process ${proc.exited ? `exited (${proc.exited})` : 'did not listen within 30 s'} before serving:\n${tail}`;
        this.options.findings.add({ kind: 'start', function: name, fatal: true, message: problem });
        child.kill('SIGKILL');
        throw new StartFailure(name, [problem]);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    // The start check: one request no function answers with side effects (no credentials), which
    // makes the function read its configuration, as its first real request would.
    const probeAt = Date.now();
    const answeredBy = await new Promise<string | undefined>((resolve) => {
      const probe = httpRequest({ host: '127.0.0.1', port, method: 'OPTIONS', path: '/__rehearsal/start-check', headers: { 'x-request-id': `rehearsal-start-check-${name}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve(typeof res.headers['x-request-id'] === 'string' ? res.headers['x-request-id'] : undefined));
      });
      probe.on('error', () => resolve(undefined));
      probe.end();
    });
    if (answeredBy === undefined && attempt < 3) {
      // Not this function's answer (every function names the request it answers): another of the
      // rehearsal's servers took the port between freePort() and the function's listen, and the
      // function exited (EADDRINUSE). Start it again on another port.
      this.options.log(`${name}: its port ${port} was answered by another server; starting it again on another one`);
      child.kill('SIGKILL');
      this.procs.delete(name);
      await metadata.close();
      return this.launch(name, attempt + 1);
    }
    await new Promise((r) => setTimeout(r, 30)); // the log line of a failed start follows the answer
    const startProblems = this.explain(name, probeAt);
    this.startTimes[name] = Date.now() - t0;
    if (startProblems.length) {
      child.kill('SIGTERM');
      throw new StartFailure(name, startProblems);
    }
    this.options.log(`started ${name} (${Date.now() - t0} ms)`);
    return proc;
  }

  private onReport(fn: RenderedFunction, message: Record<string, unknown>): void {
    if (!message.rehearsal) return;
    const findings = this.options.findings;
    if (message.type === 'unreachable-google') {
      findings.add({ kind: 'google', function: fn.name, fatal: true, message: `called ${String(message.url)}, a Google endpoint the deployed function could reach but the rehearsal has no stand-in for` });
    } else if (message.type === 'firestore-call') {
      const method = String(message.method);
      const write = ['commit', 'batchWrite', 'beginTransaction', 'rollback'].includes(method);
      const permission = write ? 'datastore.entities.update' : 'datastore.entities.get';
      this.options.google.authorize({ function: fn.name, serviceAccount: fn.serviceAccount ?? 'unknown' }, 'firestore', permission, resources.database(this.options.rendering.projectId), 'observed');
    } else if (message.type === 'firestore-query') {
      this.options.google.authorize({ function: fn.name, serviceAccount: fn.serviceAccount ?? 'unknown' }, 'firestore', 'datastore.entities.list', resources.database(this.options.rendering.projectId), 'observed');
      for (const shape of queryShapes(message.request as Record<string, unknown>)) {
        const verdict = checkQuery(shape, this.options.rendering.indexes);
        if (!verdict.ok) {
          findings.add({
            kind: 'index',
            function: fn.name,
            fatal: true,
            message: `its query on ${describeShape(shape)} needs the index ${describeIndex(verdict.needed!)}, which Terraform does not create (${verdict.reason})`,
          });
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // What a failure lacks

  /**
   * Judges the calls the rehearsal's Google refused: a denial that broke the request it happened in
   * (a 5xx answer, or an ERROR line of the function before the answer) is a missing role; one the
   * function carried on from is a warning (the code tolerates it — by design?). `final`: judge the
   * denials of requests still running too.
   */
  settleDenials(final = false): void {
    for (const denial of this.options.google.denials) {
      if (denial.settled) continue;
      const request = this.requests.find((r) => r.fn === denial.function && r.start <= denial.at && (r.end === undefined || r.end >= denial.at));
      if (request && request.end === undefined && !final) continue;
      denial.settled = true;
      const until = request?.end ?? Date.now();
      const errors = (this.procs.get(denial.function)?.lines ?? []).filter((l) => l.at >= denial.at && l.at <= until + 50 && /"severity":"(ERROR|CRITICAL|ALERT)"/.test(l.text));
      const broke = !request || (request.status ?? 0) >= 500 || errors.length > 0;
      this.options.findings.add(
        broke
          ? { kind: 'role', function: denial.function, fatal: true, message: denial.message }
          : { kind: 'role', function: denial.function, fatal: false, message: `${denial.message}; the call was refused and the function carried on (answered ${request.status}) — a denial the code tolerates` },
      );
    }
  }

  /** The function's log lines since a time. */
  linesSince(name: string, at: number): string[] {
    return (this.procs.get(name)?.lines ?? []).filter((l) => l.at >= at).map((l) => l.text);
  }

  /**
   * What the function's output since `at` says it lacks: every configuration problem it reports
   * ("Invalid configuration", or a message naming a setting Terraform does not give it).
   */
  explain(name: string, at: number): string[] {
    return explainLines(this.byName.get(name)!, this.linesSince(name, at), this.keys, this.options.findings);
  }
}

/** Names every missing or invalid setting in a function's output (and records it). */
export function explainLines(fn: RenderedFunction, lines: string[], keys: string[], findings: Findings, answer = false): string[] {
  const problems: string[] = [];
  const texts = lines.flatMap((line) => {
    try {
      return [flatten(JSON.parse(line))];
    } catch {
      return [line];
    }
  });
  const where = `terraform/${fn.file}`;
  // An empty value is an unset one (shared/config.ts): Terraform set it from a variable nobody gave a value.
  const set = new Set([...Object.entries(fn.env).filter(([, v]) => v !== '').map(([k]) => k), ...fn.secretEnv.map((s) => s.key)]);
  const empty = new Set(Object.entries(fn.env).filter(([, v]) => v === '').map(([k]) => k));
  const seen = new Set<string>();
  const name = (key: string, detail: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const message = set.has(key)
      ? `invalid ${key}: ${detail} (as set by ${where})`
      : empty.has(key)
        ? `missing ${key} (${where} sets it empty: its variable has no value)${detail ? `: ${detail}` : ''}`
        : `missing ${key} (not set by ${where})${detail ? `: ${detail}` : ''}`;
    problems.push(message);
    findings.add({ kind: 'setting', function: fn.name, fatal: true, message });
  };
  for (const text of texts) {
    const config = /Invalid configuration:((?:\s*-\s*[^\n]+)+)/.exec(text.replace(/\\n/g, '\n'));
    if (config) {
      for (const m of config[1]!.matchAll(/-\s*([A-Z][A-Z0-9_]*|\(config\)):\s*([^\n]+)/g)) name(m[1]!, m[2]!.trim());
      continue;
    }
    for (const key of keys) {
      // A log line, or a 5xx answer, that names a setting the function does not get and says it lacks it.
      if (!set.has(key) && new RegExp(`\\b${key}\\b`).test(text) && (answer || /not (?:configured|set)|must be set|is required|missing|required in production|has no /i.test(text))) name(key, '');
    }
  }
  return problems;
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join('\n');
  if (value && typeof value === 'object') return Object.values(value).map(flatten).join('\n');
  return String(value);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function freePort(): Promise<number> {
  const server = await listen(() => undefined);
  const { port } = server;
  await server.close();
  return port;
}
