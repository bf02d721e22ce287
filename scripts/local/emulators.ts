/**
 * Start and stop the real Google Cloud emulators (Firestore, Pub/Sub) from the
 * Google Cloud SDK on this machine. Used by `npm start` (the local stack) and by
 * the integration tests' global setup.
 *
 * - Firestore: the emulator jar is started directly with `java -cp` (~1 s; no
 *   Python wrapper, `java -jar` does not work: the jar has no Main-Class).
 * - Pub/Sub: the SDK's start script (`platform/pubsub-emulator/bin/cloud-pubsub-emulator`),
 *   which `exec`s `java -jar`; JVM options go in through JAVA_OPTS.
 * - Each emulator runs in its own process group (detached) so stop() kills the
 *   whole group: SIGTERM, then SIGKILL after a grace period. A process 'exit'
 *   hook kills every group still running, synchronously, and SIGINT/SIGTERM/SIGHUP
 *   do the same when nobody else handles those signals (detached children do not
 *   receive the terminal's Ctrl-C). A parent killed with SIGKILL leaves them
 *   running: nothing can run in the parent then.
 *
 * Persistence (verified against cloud-firestore-emulator 1.19.9, see
 * test/integration/emulators.test.ts):
 * - Export: `POST /emulator/v1/projects/{p}:export` with
 *   `{"database":"projects/{p}/databases/(default)","export_directory":DIR,"export_name":NAME}`
 *   writes `DIR/NAME/NAME.overall_export_metadata` + `DIR/NAME/all_namespaces/all_kinds/output-N`.
 *   DIR must already exist ("export_directory must be a directory"). An export
 *   holds ONE project's (default) database only; exporting again under the same
 *   name overwrites. Without export_name the folder is `firestore_export_<n>`.
 * - Import: `POST /emulator/v1/projects/{p}:import` with
 *   `{"database":"projects/{p}/databases/(default)","export_directory":PATH}` where
 *   PATH is the `.overall_export_metadata` FILE (a directory gives "Failed to parse
 *   overall export metadata file"). Documents land in project {p} of the URL,
 *   whatever project they were exported from. createTime/updateTime are reset
 *   to the import time.
 * - `--import-data=FILE` / `--seed_from_export=FILE` (the metadata file again, not
 *   a folder: the JVM exits otherwise) seed EVERY project: each project id gets
 *   its own copy of the seed on first use, even with --project_id. Used here
 *   only for exports of unknown project layout (a gcloud/firebase export).
 * - `--export-on-exit=DIR` is broken in this version: on POST /shutdown it fails
 *   with `Database name "projects/X/databases/" has invalid trailing "/"` and on
 *   SIGTERM it does nothing. Not used; the local stack calls exportTo() before stop().
 * Our on-disk layout is therefore one export per project id:
 *   `<dir>/<projectId>/<projectId>.overall_export_metadata`.
 * The Pub/Sub emulator keeps everything in memory (it has no persistence flags).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

export interface EmulatorHandle {
  name: 'firestore' | 'pubsub';
  /** `127.0.0.1:PORT`, the value for FIRESTORE_EMULATOR_HOST / PUBSUB_EMULATOR_HOST. */
  host: string;
  /** The emulator's process id (also its process group id). */
  pid: number;
  stop(): Promise<void>;
}

export interface FirestoreEmulatorHandle extends EmulatorHandle {
  name: 'firestore';
  /**
   * Export the (default) database of each project into `<dir>/<projectId>/`
   * (replacing an earlier export of that project; other projects' folders in
   * `dir` are left alone). Projects: `projectIds` if given, else the handle's
   * known projects (the `projectIds` option, GOOGLE_CLOUD_PROJECT at start, and
   * every project imported from `importDir`).
   */
  exportTo(dir: string, projectIds?: string | readonly string[]): Promise<void>;
  /** Import one export (`<dir>/<name>.overall_export_metadata` or that file) into `projectId`. */
  importFrom(exportPath: string, projectId: string): Promise<void>;
  /** Delete every document of the project's (default) database (~20 ms). */
  clear(projectId: string): Promise<void>;
  /** The projects exportTo() exports by default. */
  readonly projectIds: readonly string[];
}

export interface ToolOptions {
  /** Google Cloud SDK root. Default: env CLOUDSDK_ROOT_DIR, else the SDK of `gcloud` on PATH, else /usr/lib/google-cloud-sdk. */
  sdkRoot?: string;
  /** Java executable. Default: env EMULATOR_JAVA, else `java` on PATH. */
  javaPath?: string;
}

export interface EmulatorOptions extends ToolOptions {
  /** 0 or undefined = a free port. */
  port?: number;
  /** Every output line of the emulator (stdout and stderr). */
  log?: (line: string) => void;
  /** Default 30 s. */
  readyTimeoutMs?: number;
  /** JVM heap limit, default '512m' (Firestore) / '256m' (Pub/Sub). */
  maxHeap?: string;
  /** Between SIGTERM and SIGKILL in stop(). Default 3 s. */
  stopGraceMs?: number;
}

export interface FirestoreEmulatorOptions extends EmulatorOptions {
  /** Security rules file (evaluated for client SDK requests; the server SDK bypasses them). */
  rulesPath?: string;
  /**
   * Start with data. Either our layout (`<importDir>/<projectId>/<projectId>.overall_export_metadata`,
   * what exportTo() writes: each folder is imported into its own project), or one
   * foreign export (a `.overall_export_metadata` file, or a folder holding one),
   * which seeds every project. A missing or empty folder starts empty.
   */
  importDir?: string;
  /** Projects exportTo() exports by default, besides the imported ones. Default: [GOOGLE_CLOUD_PROJECT] if set. */
  projectIds?: readonly string[];
}

/** A tool the emulators need is not installed; the message says what and how to install it. */
export class MissingToolError extends Error {
  constructor(
    message: string,
    readonly tool: 'java' | 'gcloud-sdk' | 'cloud-firestore-emulator' | 'pubsub-emulator',
  ) {
    super(message);
    this.name = 'MissingToolError';
  }
}

const LOCALHOST = '127.0.0.1';
const FIRESTORE_MAIN = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';
const DEFAULT_SDK_ROOT = '/usr/lib/google-cloud-sdk';
const MIN_JAVA = 17;

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOCALHOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, LOCALHOST, () => server.close(() => resolve(true)));
  });
}

// ---------------------------------------------------------------------------
// Tool discovery

function run(file: string, args: string[], timeoutMs = 10_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const failure: Error & { stdout: string; stderr: string } = Object.assign(err, { stdout, stderr });
        reject(failure);
      } else resolve({ stdout, stderr });
    });
  });
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const sdkRoots = new Map<string, Promise<string>>();

/**
 * The SDK root. `gcloud info --format=value(installation.sdk_root)` is the
 * authority but costs ~0.9 s (Python), so the usual answer is found first from
 * the real path of `gcloud` on PATH (<root>/bin/gcloud) and the Debian location.
 */
export function resolveSdkRoot(explicit?: string): Promise<string> {
  const override = explicit ?? process.env.CLOUDSDK_ROOT_DIR;
  const key = override ?? '';
  let found = sdkRoots.get(key);
  if (!found) {
    found = (async () => {
      if (override) {
        if (!isDir(override)) {
          throw new MissingToolError(
            `Google Cloud SDK not found at ${override} (from ${explicit ? 'the sdkRoot option' : 'CLOUDSDK_ROOT_DIR'}) — ` +
              'apt-get install google-cloud-cli, or point it at the SDK root (`gcloud info --format="value(installation.sdk_root)"`)',
            'gcloud-sdk',
          );
        }
        return override;
      }
      const gcloud = onPath('gcloud');
      if (gcloud) {
        try {
          const root = path.dirname(path.dirname(realpathSync(gcloud)));
          if (isDir(path.join(root, 'platform'))) return root;
        } catch {
          // fall through
        }
        try {
          const { stdout } = await run(gcloud, ['info', '--format=value(installation.sdk_root)'], 30_000);
          const root = stdout.trim();
          if (root && isDir(root)) return root;
        } catch {
          // fall through
        }
      }
      if (isDir(DEFAULT_SDK_ROOT)) return DEFAULT_SDK_ROOT;
      throw new MissingToolError(
        `Google Cloud SDK not found (no \`gcloud\` on PATH and no ${DEFAULT_SDK_ROOT}) — ` +
          'apt-get install google-cloud-cli (or set CLOUDSDK_ROOT_DIR to the SDK root)',
        'gcloud-sdk',
      );
    })();
    found.catch(() => sdkRoots.delete(key));
    sdkRoots.set(key, found);
  }
  return found;
}

const javas = new Map<string, Promise<string>>();

/** The java executable, checked to be Java 17+ (`java -version`, ~0.1 s, once per process). */
export function resolveJava(explicit?: string): Promise<string> {
  const requested = explicit ?? process.env.EMULATOR_JAVA ?? 'java';
  let found = javas.get(requested);
  if (!found) {
    found = (async () => {
      const install = 'apt-get install openjdk-17-jre-headless';
      const where = requested === 'java' ? 'on PATH' : `at ${requested}`;
      let output: string;
      try {
        const { stdout, stderr } = await run(requested, ['-version']);
        output = stderr + stdout;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES') {
          throw new MissingToolError(`Java ${MIN_JAVA}+ not found ${where} (${install})`, 'java');
        }
        throw new MissingToolError(`Java ${where} does not run (\`${requested} -version\` failed: ${(err as Error).message}) — ${install}`, 'java');
      }
      const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
      const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
      if (!Number.isNaN(major) && major < MIN_JAVA) {
        throw new MissingToolError(`Java ${MIN_JAVA}+ required, found Java ${major} ${where} (${install})`, 'java');
      }
      return requested;
    })();
    found.catch(() => javas.delete(requested));
    javas.set(requested, found);
  }
  return found;
}

function firestoreJar(sdkRoot: string): string {
  const dir = path.join(sdkRoot, 'platform', 'cloud-firestore-emulator');
  const jar = path.join(dir, 'cloud-firestore-emulator.jar');
  if (!existsSync(jar)) {
    throw new MissingToolError(
      `Firestore emulator not found at ${dir} — run \`gcloud components install cloud-firestore-emulator\` ` +
        'or apt-get install google-cloud-cli-firestore-emulator',
      'cloud-firestore-emulator',
    );
  }
  return jar;
}

function pubsubScript(sdkRoot: string): string {
  const dir = path.join(sdkRoot, 'platform', 'pubsub-emulator');
  const script = path.join(dir, 'bin', 'cloud-pubsub-emulator');
  if (!existsSync(script)) {
    throw new MissingToolError(
      `Pub/Sub emulator not found at ${dir} — run \`gcloud components install pubsub-emulator\` ` +
        'or apt-get install google-cloud-cli-pubsub-emulator',
      'pubsub-emulator',
    );
  }
  return script;
}

// ---------------------------------------------------------------------------
// Process management

const running = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroupSync(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function killAllSync(): void {
  for (const child of running) killGroupSync(child, 'SIGKILL');
  running.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else (the local stack, vitest) handles this signal: it will stop()
  // the emulators or exit, and the 'exit' hook covers the latter.
  if (process.listenerCount(signal) > 1) return;
  killAllSync();
  uninstallSignalHooks();
  process.kill(process.pid, signal); // the default action, now that we are not listening
}
const signalHandlers = new Map<NodeJS.Signals, () => void>();

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => onSignal(signal);
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
}
function uninstallSignalHooks(): void {
  for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
  signalHandlers.clear();
}
function maybeUninstallHooks(): void {
  if (running.size > 0 || !hooksInstalled) return;
  hooksInstalled = false;
  process.removeListener('exit', killAllSync);
  uninstallSignalHooks();
}

interface Spawned {
  child: ChildProcess;
  lastLines(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

function spawnEmulator(command: string, args: string[], env: NodeJS.ProcessEnv, log?: (line: string) => void): Spawned {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  const tail: string[] = [];
  let exited = false;
  const onData = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) push(line);
    });
    stream.on('end', () => {
      if (partial) push(partial);
      partial = '';
    });
  };
  const push = (line: string) => {
    if (!line.trim()) return;
    tail.push(line);
    if (tail.length > 200) tail.shift();
    log?.(line);
  };
  onData(child.stdout);
  onData(child.stderr);
  const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      running.delete(child);
      maybeUninstallHooks();
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      push(`spawn error: ${err.message}`);
      exited = true;
      running.delete(child);
      maybeUninstallHooks();
      resolve({ code: null, signal: null });
    });
  });
  if (child.pid !== undefined) {
    running.add(child);
    installHooks();
  }
  // The emulator must not keep the parent's event loop alive by itself.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  // Java stack frames would crowd out the lines that say what went wrong.
  const lastLines = () =>
    tail
      .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line))
      .slice(-25)
      .join('\n');
  return { child, lastLines, exited: exitPromise, hasExited: () => exited };
}

async function stopSpawned(spawned: Spawned, graceMs: number): Promise<void> {
  if (spawned.hasExited()) return;
  killGroupSync(spawned.child, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    spawned.exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  // SIGKILL the group in any case: catches stragglers whose leader has exited.
  killGroupSync(spawned.child, 'SIGKILL');
  if (timedOut) await spawned.exited;
}

// ---------------------------------------------------------------------------
// HTTP

interface HttpResult {
  status: number;
  body: string;
}

function httpRequest(method: string, url: string, body?: unknown, timeoutMs = 10_000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

async function expectOk(method: string, url: string, body?: unknown): Promise<void> {
  const res = await httpRequest(method, url, body, 60_000);
  if (res.status < 200 || res.status >= 300) {
    throw new Error(`${method} ${url} failed: HTTP ${res.status} ${res.body.trim()}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitReady(name: string, spawned: Spawned, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.hasExited()) {
      const { code, signal } = await spawned.exited;
      await sleep(100); // let the last output drain from the pipes
      throw new EmulatorStartError(
        `${name} emulator exited before it was ready (code ${code ?? '-'}, signal ${signal ?? '-'}). Last output:\n${spawned.lastLines()}`,
        spawned.lastLines(),
      );
    }
    // The Pub/Sub emulator does not exit when its port is taken: its main thread dies, the JVM stays.
    if (portInUse(spawned.lastLines())) {
      throw new EmulatorStartError(`${name} emulator could not bind ${host}: address already in use. Last output:\n${spawned.lastLines()}`, spawned.lastLines());
    }
    try {
      const res = await httpRequest('GET', `http://${host}/`, undefined, 1000);
      if (res.status === 200 && res.body.trim() === 'Ok') return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new EmulatorStartError(
    `${name} emulator not ready at http://${host}/ after ${timeoutMs} ms. Last output:\n${spawned.lastLines() || '(none)'}`,
    spawned.lastLines(),
  );
}

/** An emulator exited or did not answer in time; `output` holds its last lines. */
export class EmulatorStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'EmulatorStartError';
  }
}

const portInUse = (output: string) => /BindException|Address already in use|Failed to bind/i.test(output);

/** Spawn + wait for readiness; with an automatic port, retry on the (rare) race for it. */
async function launch(
  name: 'firestore' | 'pubsub',
  opts: EmulatorOptions,
  start: (port: number) => Spawned,
): Promise<{ spawned: Spawned; host: string }> {
  const autoPort = !opts.port;
  if (opts.port && !(await portIsFree(opts.port))) {
    throw new Error(`${name} emulator: port ${opts.port} on ${LOCALHOST} is already in use (another emulator still running?)`);
  }
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await findFreePort());
    const host = `${LOCALHOST}:${port}`;
    const spawned = start(port);
    try {
      await waitReady(name, spawned, host, opts.readyTimeoutMs ?? 30_000);
      return { spawned, host };
    } catch (err) {
      await stopSpawned(spawned, 1000);
      if (autoPort && attempt < 3 && err instanceof EmulatorStartError && portInUse(err.output)) continue;
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------
// Firestore

const METADATA_SUFFIX = '.overall_export_metadata';

const PROJECT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/i;
function assertProjectId(projectId: string): void {
  if (!PROJECT_ID.test(projectId)) throw new Error(`invalid project id for the emulator: ${JSON.stringify(projectId)}`);
}

/** What to import from `importDir`: per-project exports (our layout) and/or one foreign seed file. */
async function scanImportDir(importDir: string): Promise<{ perProject: Array<{ projectId: string; file: string }>; seed?: string }> {
  let info;
  try {
    info = await stat(importDir);
  } catch {
    return { perProject: [] }; // first run: nothing saved yet
  }
  if (info.isFile()) {
    if (!importDir.endsWith(METADATA_SUFFIX)) throw new Error(`importDir ${importDir} is neither a folder nor a ${METADATA_SUFFIX} file`);
    return { perProject: [], seed: path.resolve(importDir) };
  }
  const entries = await readdir(importDir, { withFileTypes: true });
  const perProject: Array<{ projectId: string; file: string }> = [];
  for (const entry of entries) {
    // Our layout names folders by project id; `firestore_export`, `2024-01-01T00:00:00_123` are foreign exports.
    if (!entry.isDirectory() || !PROJECT_ID.test(entry.name)) continue;
    const file = path.resolve(importDir, entry.name, entry.name + METADATA_SUFFIX);
    if (existsSync(file)) perProject.push({ projectId: entry.name, file });
  }
  const direct = entries.filter((e) => e.isFile() && e.name.endsWith(METADATA_SUFFIX));
  if (perProject.length === 0 && direct.length === 1) return { perProject, seed: path.resolve(importDir, direct[0]!.name) };
  if (perProject.length === 0 && direct.length === 0) {
    // A firebase-tools export keeps the Firestore export one level down (firestore_export/).
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const inner = (await readdir(path.join(importDir, entry.name))).filter((n) => n.endsWith(METADATA_SUFFIX));
      if (inner.length === 1) return { perProject, seed: path.resolve(importDir, entry.name, inner[0]!) };
    }
  }
  return { perProject };
}

/** Staging folders of exports whose process died mid-export (`.export-<pid>-<ms>`). */
async function removeStaleStaging(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = /^\.export-(\d+)-\d+$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive) await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

function metadataFile(exportPath: string): string {
  if (exportPath.endsWith(METADATA_SUFFIX)) return path.resolve(exportPath);
  const file = path.resolve(exportPath, path.basename(exportPath) + METADATA_SUFFIX);
  if (existsSync(file)) return file;
  throw new Error(`no ${path.basename(exportPath)}${METADATA_SUFFIX} in ${exportPath}`);
}

export async function startFirestoreEmulator(opts: FirestoreEmulatorOptions = {}): Promise<FirestoreEmulatorHandle> {
  const [sdkRoot, java] = await Promise.all([resolveSdkRoot(opts.sdkRoot), resolveJava(opts.javaPath)]);
  const jar = firestoreJar(sdkRoot);
  if (opts.rulesPath && !existsSync(opts.rulesPath)) throw new Error(`rules file not found: ${opts.rulesPath}`);
  const imports = opts.importDir ? await scanImportDir(opts.importDir) : { perProject: [] };

  const { spawned, host } = await launch('firestore', opts, (port) => {
    const args = [
      '-Duser.language=en',
      `-Xmx${opts.maxHeap ?? '512m'}`,
      '-cp',
      jar,
      FIRESTORE_MAIN,
      `--host=${LOCALHOST}`,
      `--port=${port}`,
    ];
    if (opts.rulesPath) args.push(`--rules=${path.resolve(opts.rulesPath)}`);
    if (imports.seed) args.push(`--import-data=${imports.seed}`);
    return spawnEmulator(java, args, process.env, opts.log);
  });

  const base = `http://${host}/emulator/v1/projects`;
  const known = new Set<string>(opts.projectIds ?? (process.env.GOOGLE_CLOUD_PROJECT ? [process.env.GOOGLE_CLOUD_PROJECT] : []));
  const graceMs = opts.stopGraceMs ?? 3000;
  let stopping: Promise<void> | undefined;

  const importFrom = async (exportPath: string, projectId: string) => {
    assertProjectId(projectId);
    await expectOk('POST', `${base}/${projectId}:import`, {
      database: `projects/${projectId}/databases/(default)`,
      export_directory: metadataFile(exportPath),
    });
    known.add(projectId);
  };

  try {
    for (const { projectId, file } of imports.perProject) await importFrom(file, projectId);
  } catch (err) {
    await stopSpawned(spawned, graceMs);
    throw err;
  }

  return {
    name: 'firestore',
    host,
    pid: spawned.child.pid!,
    get projectIds() {
      return [...known];
    },
    importFrom,
    async clear(projectId) {
      assertProjectId(projectId);
      await expectOk('DELETE', `${base}/${projectId}/databases/(default)/documents`);
    },
    async exportTo(dir, projectIds) {
      const projects = projectIds === undefined ? [...known] : typeof projectIds === 'string' ? [projectIds] : [...projectIds];
      if (projects.length === 0) {
        throw new Error('exportTo: no project ids to export (pass them, or start the emulator with projectIds / GOOGLE_CLOUD_PROJECT)');
      }
      projects.forEach(assertProjectId);
      const target = path.resolve(dir);
      await mkdir(target, { recursive: true });
      await removeStaleStaging(target);
      // Export into a staging folder next to the target, then swap each project
      // in: a crash mid-export never leaves a half-written export behind.
      const staging = path.join(target, `.export-${process.pid}-${Date.now()}`);
      await mkdir(staging);
      try {
        for (const projectId of projects) {
          await expectOk('POST', `${base}/${projectId}:export`, {
            database: `projects/${projectId}/databases/(default)`,
            export_directory: staging,
            export_name: projectId,
          });
        }
        for (const projectId of projects) {
          const final = path.join(target, projectId);
          const old = path.join(staging, `.old-${projectId}`);
          if (existsSync(final)) await rename(final, old);
          await rename(path.join(staging, projectId), final);
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    },
    stop() {
      stopping ??= stopSpawned(spawned, graceMs);
      return stopping;
    },
  };
}

// ---------------------------------------------------------------------------
// Pub/Sub

export async function startPubsubEmulator(opts: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const [sdkRoot, java] = await Promise.all([resolveSdkRoot(opts.sdkRoot), resolveJava(opts.javaPath)]);
  const script = pubsubScript(sdkRoot);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JAVA_OPTS: [process.env.JAVA_OPTS, `-Xmx${opts.maxHeap ?? '256m'}`].filter(Boolean).join(' '),
  };
  if (java !== 'java') {
    // The script runs $JAVA_HOME/bin/java, else `java` on PATH.
    delete env.JAVA_HOME;
    env.PATH = `${path.dirname(path.resolve(java))}${path.delimiter}${env.PATH ?? ''}`;
  }
  const graceMs = opts.stopGraceMs ?? 3000;
  const { spawned, host } = await launch('pubsub', opts, (port) =>
    spawnEmulator(script, [`--host=${LOCALHOST}`, `--port=${port}`], env, opts.log),
  );
  let stopping: Promise<void> | undefined;
  return {
    name: 'pubsub',
    host,
    pid: spawned.child.pid!,
    stop() {
      stopping ??= stopSpawned(spawned, graceMs);
      return stopping;
    },
  };
}
