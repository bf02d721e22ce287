/**
 * The rehearsal, put together: the outside world, Terraform rendered, the rehearsal's Google, the
 * functions (one process each, lazily) and the gateway. Used by `npm run rehearse`
 * (scripts/rehearse/main.ts, which builds and stages the deploy first, then walks the API) and by
 * the start-check test (test/integration/rehearsal-start-check.test.ts, against a modified copy of
 * terraform/).
 */
import { cp, mkdir, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEPLOY_DIR } from '../function-bundles.js';
import { Findings } from './findings.js';
import { ConfigError, parseConfig } from '../../shared/config.js';
import { configKeys, explainLines, FunctionHost, StartFailure } from './functions.js';
import { startRehearsalGateway, type Route } from './gateway.js';
import { Google, type Listening } from './google.js';
import { renderTerraform, type Rendering } from './render.js';
import { PUBLIC_ORIGIN, REPO_ROOT, rehearsalVars, secretValues, startWorld, TFVARS_FILE, type World } from './world.js';

export interface RehearsalOptions {
  /** The Terraform folder to render (terraform/, or a modified copy). */
  terraformDir: string;
  /** Working folder: logs, sandbox state, rendered output. */
  workDir: string;
  /** 'dist': the staged deploy (workspace); 'ts': the sources through tsx (tests). */
  mode: 'dist' | 'ts';
  /** The deployed source root (dist mode). */
  workspace?: string;
  emulators: boolean;
  sandboxes: boolean;
  tfvarsFile?: string;
  log: (line: string) => void;
}

/**
 * Terraform rendered with the rehearsal's tfvars (scripts/rehearse/rehearsal.tfvars.json: what an
 * operator passes with -var); a variable with no default that they do not give, named like a world
 * value (telnyx_public_key → TELNYX_PUBLIC_KEY), gets that value (the report lists them).
 */
export async function renderForRehearsal(terraformDir: string, world: Pick<World, 'values'>, tfvarsFile = TFVARS_FILE): Promise<Rendering> {
  const vars = await rehearsalVars(world, tfvarsFile);
  return renderTerraform(terraformDir, { vars, fallback: (name) => world.values[name.toUpperCase()] });
}

export class Rehearsal {
  private constructor(
    readonly options: RehearsalOptions,
    readonly findings: Findings,
    readonly world: World,
    readonly rendering: Rendering,
    readonly google: Google,
    readonly host: FunctionHost,
    readonly gateway: (Listening & { routes: Route[] }) | undefined,
  ) {}

  /** Origins the deployed gateway answers on (its hostname; PUBLIC_BASE_URL as the functions get it). */
  get publicUrls(): string[] {
    const urls = new Set<string>([PUBLIC_ORIGIN]);
    if (this.rendering.gateway) urls.add(`https://${this.rendering.gateway.hostname}`);
    for (const fn of this.rendering.functions) if (fn.env.PUBLIC_BASE_URL) urls.add(fn.env.PUBLIC_BASE_URL.replace(/\/$/, ''));
    return [...urls];
  }

  static async start(options: RehearsalOptions): Promise<Rehearsal> {
    const findings = new Findings(options.log);
    const world = await startWorld({ dir: path.join(options.workDir, 'world'), emulators: options.emulators, sandboxes: options.sandboxes, log: options.log });
    const closers: (() => Promise<void>)[] = [() => world.close()];
    try {
      const rendering = await renderForRehearsal(options.terraformDir, world, options.tfvarsFile);
      for (const problem of rendering.problems) findings.add({ kind: 'render', fatal: true, message: problem });
      for (const fn of rendering.functions) for (const problem of fn.problems) findings.add({ kind: 'render', function: fn.name, fatal: true, message: problem });
      await mkdir(options.workDir, { recursive: true });
      await writeFile(path.join(options.workDir, 'rendered.json'), JSON.stringify(rendering, null, 1));

      const google = new Google({
        projectId: rendering.projectId,
        region: rendering.region,
        iam: rendering.iam,
        queues: rendering.queues,
        topics: rendering.topics,
        subscriptions: rendering.subscriptions,
        pubsubEmulatorHost: world.pubsubHost ?? '',
        findings,
        // Functions start below; nothing is delivered to them before then.
        deliver: (url, init) => host.deliver(url, init),
        log: options.log,
      });
      await google.start({ pubsub: !!world.pubsubHost });
      closers.push(() => google.close());

      // What terraform apply creates (empty secrets), and what operators add out of band.
      for (const id of rendering.secrets) google.createSecret(id);
      const values = secretValues(world);
      for (const [id, value] of Object.entries(values)) if (rendering.secrets.includes(id)) google.addSecretVersion(id, value);
      for (const fn of rendering.functions) {
        for (const s of fn.secretEnv) {
          const value = world.values[s.key];
          if (rendering.secrets.includes(s.secret) && value !== undefined && google.secretValue(s.secret, 'latest') === undefined) google.addSecretVersion(s.secret, value);
        }
      }

      // Every function's configuration, as shared/config.ts will read it (the walk starts only some).
      const keys = configKeys(REPO_ROOT);
      const configFindings = findings.list.length;
      for (const fn of rendering.functions) {
        const env: Record<string, string> = { ...fn.env };
        for (const s of fn.secretEnv) {
          const value = google.secretValue(s.secret, s.version);
          if (value !== undefined) env[s.key] = value;
        }
        try {
          parseConfig(env);
        } catch (err) {
          if (err instanceof ConfigError) explainLines(fn, [err.message], keys, findings);
          else throw err;
        }
      }

      options.log(`configuration of all ${rendering.functions.length} functions parsed by shared/config.ts: ${findings.list.length - configFindings} problem(s)`);

      const workspace = options.mode === 'dist' ? options.workspace ?? REPO_ROOT : REPO_ROOT;
      let gatewayLocal = '';
      const host: FunctionHost = new FunctionHost({
        rendering,
        google,
        findings,
        workspace,
        mode: options.mode,
        repoRoot: REPO_ROOT,
        outsideEnv: world.outsideEnv,
        ...(world.receiver ? { hosts: { [new URL(world.receiver.url).hostname]: world.receiver.host } } : {}),
        gateway: { publicUrls: [], localUrl: () => gatewayLocal },
        logDir: path.join(options.workDir, 'logs'),
        log: options.log,
      });
      await host.start();
      closers.push(() => host.close());

      let gateway: (Listening & { routes: Route[] }) | undefined;
      if (rendering.gateway) {
        gateway = await startRehearsalGateway({
          gateway: rendering.gateway,
          google,
          localUrl: (url) => host.localUrl(url),
          log: options.log,
          onBackendMissing: (message) => findings.add({ kind: 'setting', fatal: true, message }),
        });
        closers.push(() => gateway!.close());
        gatewayLocal = gateway.url;
      } else {
        findings.add({ kind: 'render', fatal: true, message: 'Terraform declares no API Gateway config (google_api_gateway_api_config with an OpenAPI document)' });
      }
      const rehearsal = new Rehearsal(options, findings, world, rendering, google, host, gateway);
      host.options.gateway!.publicUrls.push(...rehearsal.publicUrls);
      world.sandboxes?.telnyx.setWebhookUrl(`${gatewayLocal}/webhooks/telnyx`);
      world.sandboxes?.somos.configure({ notifications: { url: `${gatewayLocal}/webhooks/somos`, secret: world.values.SOMOS_NOTIFICATION_SECRET! } });
      rehearsal.closers = closers;
      return rehearsal;
    } catch (err) {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      throw err;
    }
  }

  private closers: (() => Promise<void>)[] = [];

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  /** Starts one function as Cloud Run would and answers what it lacks ("fn: missing X (…)"), or []. */
  async startCheck(name: string): Promise<string[]> {
    try {
      await this.host.ensure(name);
      return [];
    } catch (err) {
      if (err instanceof StartFailure) return err.message.split('\n').filter(Boolean);
      throw err;
    }
  }

  /** Names the setting a function's failed answer (a 5xx) says it lacks, if Terraform does not give it. */
  explainAnswer(fnName: string, status: number, text: string): string[] {
    const fn = this.rendering.functions.find((f) => f.name === fnName);
    return fn && status >= 500 ? explainLines(fn, [text], configKeys(REPO_ROOT), this.findings, true) : [];
  }

  /** A Firebase ID token of a user of a tenant. */
  token(tenantId: string, role: 'admin' | 'member', uid: string): Promise<string> {
    return this.google.idToken({ tenantId, role, uid });
  }
}

/**
 * The deployed source root: terraform's source archive (data.archive_file source_dir minus its
 * excludes) copied to `dir`, its production dependencies linked (Cloud Build installs them), and
 * the build step Cloud Build runs (`npm run gcp-build`) run there.
 */
export async function stageWorkspace(rendering: Pick<Rendering, 'archive'>, dir: string): Promise<string> {
  let archive = rendering.archive ?? { sourceDir: DEPLOY_DIR, excludes: [] };
  // A Terraform folder copied elsewhere (--terraform) points its source_dir next to the copy: the
  // deployable source (npm run build: dist/deploy) is still here.
  if (!(await stat(path.join(archive.sourceDir, 'package.json')).catch(() => undefined))) archive = { ...archive, sourceDir: DEPLOY_DIR };
  await mkdir(dir, { recursive: true });
  const excluded = new Set(archive.excludes.map((e) => e.replace(/\/$/, '')));
  const inside = path.relative(archive.sourceDir, dir);
  for (const entry of await readdir(archive.sourceDir)) {
    if (excluded.has(entry) || entry === 'node_modules') continue;
    if (!inside.startsWith('..') && inside.split(path.sep)[0] === entry) continue; // the staging folder itself
    await cp(path.join(archive.sourceDir, entry), path.join(dir, entry), { recursive: true, verbatimSymlinks: true });
  }
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return dir;
}
