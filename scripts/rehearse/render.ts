/**
 * Renders what `terraform apply` would deploy, from the .tf files as they are (no Terraform binary,
 * no Google API): every google_cloudfunctions2_function instance with its entry point, environment,
 * secret environment and service account; the IAM grants; Pub/Sub topics and push subscriptions;
 * Cloud Tasks queues; Cloud Scheduler jobs; Firestore indexes; secrets; the API Gateway config.
 *
 * Generic on purpose: whatever a function resource declares (environment_variables as a literal map,
 * a merge() of locals, secret_environment_variables blocks, dynamic blocks, per-group service
 * accounts, …) is evaluated with scripts/rehearse/hcl-eval.ts against the rehearsal's tfvars. The
 * attributes only a provider computes get the deterministic values Google would give them
 * (service-account emails, secret and topic ids, function URLs); anything else is an Unknown,
 * reported as such where it matters.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import {
  childScope,
  evaluateValue,
  HclError,
  isLazy,
  isUnknown,
  stringify,
  Unknown,
  type LazyObject,
  type Scope,
} from './hcl-eval.js';

type Block = Record<string, unknown>;

export interface TerraformSource {
  dir: string;
  /** type → name → { block, file } (resources); likewise data sources. */
  resources: Record<string, Record<string, { block: Block; file: string }>>;
  data: Record<string, Record<string, { block: Block; file: string }>>;
  locals: Record<string, { expr: unknown; file: string }>;
  variables: Record<string, { default?: unknown; hasDefault: boolean; file: string }>;
  providers: Record<string, Block>;
}

export async function loadTerraform(dir: string): Promise<TerraformSource> {
  const source: TerraformSource = { dir: path.resolve(dir), resources: {}, data: {}, locals: {}, variables: {}, providers: {} };
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tf')).sort()) {
    const parsed = await parse(file, await readFile(path.join(dir, file), 'utf8'));
    for (const [type, byName] of Object.entries((parsed.resource ?? {}) as Record<string, Record<string, Block[]>>)) {
      for (const [name, blocks] of Object.entries(byName)) (source.resources[type] ??= {})[name] = { block: blocks[0]!, file };
    }
    for (const [type, byName] of Object.entries((parsed.data ?? {}) as Record<string, Record<string, Block[]>>)) {
      for (const [name, blocks] of Object.entries(byName)) (source.data[type] ??= {})[name] = { block: blocks[0]!, file };
    }
    for (const block of (parsed.locals ?? []) as Block[]) for (const [name, expr] of Object.entries(block)) source.locals[name] = { expr, file };
    for (const [name, blocks] of Object.entries((parsed.variable ?? {}) as Record<string, Block[]>)) {
      const block = blocks[0] ?? {};
      source.variables[name] = { hasDefault: 'default' in block, ...('default' in block ? { default: block.default } : {}), file };
    }
    for (const [name, blocks] of Object.entries((parsed.provider ?? {}) as Record<string, Block[]>)) source.providers[name] ??= blocks[0] ?? {};
  }
  return source;
}

// ---------------------------------------------------------------------------------------------
// The evaluation scope: variables, locals, resources and data sources, lazily and memoized.

const META_ARGS = new Set(['for_each', 'count', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection']);
const PROJECT_NUMBER = '123456789012';

class Instance implements LazyObject {
  readonly lazy = true as const;
  private readonly cache = new Map<string, unknown>();
  constructor(
    readonly model: TerraformModel,
    readonly kind: 'resource' | 'data',
    readonly type: string,
    readonly name: string,
    readonly key: string | number | undefined,
    readonly eachValue: unknown,
    readonly block: Block,
    readonly file: string,
  ) {}
  get describe(): string {
    return `${this.kind === 'data' ? 'data.' : ''}${this.type}.${this.name}${this.key === undefined ? '' : `[${JSON.stringify(this.key)}]`}`;
  }
  scope(): Scope {
    const vars: Record<string, unknown> = {};
    if (this.key !== undefined) {
      if (typeof this.key === 'number') vars.count = { index: this.key };
      else vars.each = { key: this.key, value: this.eachValue };
    }
    return childScope(this.model.scope, vars);
  }
  keys(): string[] {
    return Object.keys(this.block).filter((k) => !META_ARGS.has(k) && k !== 'dynamic');
  }
  get(attr: string): unknown {
    if (this.cache.has(attr)) return this.cache.get(attr);
    const value = this.compute(attr);
    this.cache.set(attr, value);
    return value;
  }
  /** An attribute as declared (nested blocks with dynamic blocks expanded), or undefined. */
  declared(attr: string): unknown {
    const dynamic = (this.block.dynamic as Record<string, unknown> | undefined)?.[attr];
    if (!(attr in this.block) && !dynamic) return undefined;
    return this.model.evaluateBlockAttr(this.block, attr, this.scope());
  }
  private compute(attr: string): unknown {
    const computed = this.model.computed(this, attr);
    if (computed !== undefined) return computed;
    const declared = this.declared(attr);
    if (declared !== undefined) return declared;
    return new Unknown(`${this.describe}.${attr}`);
  }
}

/** A resource's instances (for_each / count), or its single instance. */
class Collection implements LazyObject {
  readonly lazy = true as const;
  private instances: Map<string, Instance> | undefined;
  constructor(
    readonly model: TerraformModel,
    readonly kind: 'resource' | 'data',
    readonly type: string,
    readonly name: string,
    readonly block: Block,
    readonly file: string,
  ) {}
  get describe(): string {
    return `${this.kind === 'data' ? 'data.' : ''}${this.type}.${this.name}`;
  }
  all(): Map<string, Instance> {
    if (this.instances) return this.instances;
    const instances = new Map<string, Instance>();
    if ('for_each' in this.block) {
      const coll = evaluateValue(this.block.for_each, this.model.scope);
      if (isUnknown(coll)) throw new HclError(`${this.describe}: for_each is not known before apply (${coll.what})`);
      const pairs: [string, unknown][] = Array.isArray(coll)
        ? coll.map((v) => [stringify(v), v])
        : isLazy(coll)
          ? (coll.keys?.() ?? []).map((k) => [k, coll.get(k)])
          : Object.entries(coll as Record<string, unknown>);
      for (const [key, value] of pairs) instances.set(key, new Instance(this.model, this.kind, this.type, this.name, key, value, this.block, this.file));
    } else if ('count' in this.block) {
      const count = Number(evaluateValue(this.block.count, this.model.scope));
      for (let i = 0; i < count; i++) instances.set(String(i), new Instance(this.model, this.kind, this.type, this.name, i, undefined, this.block, this.file));
    }
    this.instances = instances;
    return instances;
  }
  get repeated(): boolean {
    return 'for_each' in this.block || 'count' in this.block;
  }
  single(): Instance {
    return new Instance(this.model, this.kind, this.type, this.name, undefined, undefined, this.block, this.file);
  }
  keys(): string[] {
    return [...this.all().keys()];
  }
  get(key: string): unknown {
    if (!this.repeated) return this.single().get(key);
    const instance = this.all().get(key);
    if (!instance) throw new HclError(`${this.describe} has no instance ${JSON.stringify(key)} (has ${this.keys().slice(0, 10).join(', ')}${this.keys().length > 10 ? ', …' : ''})`);
    return instance;
  }
  /** Every instance (a single resource is one). */
  list(): Instance[] {
    return this.repeated ? [...this.all().values()] : [this.single()];
  }
}

export interface RenderOptions {
  /** Variable values (like a .tfvars file); variables with a default may be left out. */
  vars: Record<string, unknown>;
  /** A value for a variable with no default that `vars` does not give (undefined: none). */
  fallback?: (name: string) => unknown;
}

export class TerraformModel {
  readonly scope: Scope;
  private readonly localValues = new Map<string, unknown>();
  private readonly evaluatingLocals = new Set<string>();
  private readonly collections = new Map<string, Collection>();
  readonly vars: Record<string, unknown>;
  /** Variables without a default, absent from the tfvars, given the rehearsal's value of the same name. */
  readonly fromFallback: string[] = [];
  /** tfvars values of variables Terraform does not declare (ignored). */
  unusedVars: string[] = [];

  constructor(
    readonly source: TerraformSource,
    options: RenderOptions,
  ) {
    this.vars = {};
    const missing: string[] = [];
    for (const [name, variable] of Object.entries(source.variables)) {
      const fallback = variable.hasDefault ? undefined : options.fallback?.(name);
      if (name in options.vars) this.vars[name] = options.vars[name];
      else if (variable.hasDefault) this.vars[name] = variable.default;
      else if (fallback !== undefined) {
        // A variable the operator must pass (-var), unknown to the rehearsal's tfvars: its value of the same name.
        this.vars[name] = fallback;
        this.fromFallback.push(name);
      } else missing.push(`${name} (terraform/${variable.file})`);
    }
    this.unusedVars = Object.keys(options.vars).filter((name) => !(name in source.variables));
    if (missing.length) throw new Error(`the rehearsal has no value for Terraform variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} — add ${missing.length > 1 ? 'them' : 'it'} to scripts/rehearse/rehearsal.tfvars.json`);
    const varObject: LazyObject = {
      lazy: true,
      describe: 'var',
      keys: () => Object.keys(this.vars),
      get: (name: string) => {
        if (!(name in this.vars)) throw new HclError(`var.${name} is not declared`);
        return this.vars[name];
      },
    };
    const localObject: LazyObject = { lazy: true, describe: 'local', keys: () => Object.keys(source.locals), get: (name) => this.local(name) };
    const dataObject: LazyObject = {
      lazy: true,
      describe: 'data',
      get: (type: string) => {
        return {
          lazy: true,
          describe: `data.${type}`,
          get: (name: string) => {
            const c = this.collection('data', type, name);
            return c.repeated ? c : c.single();
          },
        } satisfies LazyObject;
      },
    };
    this.scope = {
      moduleDir: source.dir,
      lookup: (name: string): unknown => {
        switch (name) {
          case 'var':
            return varObject;
          case 'local':
            return localObject;
          case 'data':
            return dataObject;
          case 'path':
            return { module: source.dir, root: source.dir, cwd: process.cwd() };
          case 'terraform':
            return { workspace: 'default' };
        }
        if (source.resources[name]) {
          return {
            lazy: true,
            describe: name,
            keys: () => Object.keys(source.resources[name]!),
            get: (resourceName: string) => {
              const c = this.collection('resource', name, resourceName);
              return c.repeated ? c : c.single();
            },
          } satisfies LazyObject;
        }
        throw new HclError(`unknown reference ${name}`);
      },
    };
  }

  get projectId(): string {
    const fromProvider = this.source.providers.google?.project;
    const value = fromProvider !== undefined ? evaluateValue(fromProvider, this.scope) : this.vars.project_id;
    if (typeof value !== 'string') throw new Error('cannot tell the project id (provider "google" project, or var.project_id)');
    return value;
  }
  get region(): string {
    const fromProvider = this.source.providers.google?.region;
    const value = fromProvider !== undefined ? evaluateValue(fromProvider, this.scope) : this.vars.region;
    return typeof value === 'string' ? value : 'us-central1';
  }

  local(name: string): unknown {
    if (this.localValues.has(name)) return this.localValues.get(name);
    const local = this.source.locals[name];
    if (!local) throw new HclError(`local.${name} is not declared`);
    if (this.evaluatingLocals.has(name)) throw new HclError(`local.${name} refers to itself`);
    this.evaluatingLocals.add(name);
    try {
      const value = evaluateValue(local.expr, this.scope);
      this.localValues.set(name, value);
      return value;
    } finally {
      this.evaluatingLocals.delete(name);
    }
  }

  collection(kind: 'resource' | 'data', type: string, name: string): Collection {
    const key = `${kind}:${type}.${name}`;
    let c = this.collections.get(key);
    if (!c) {
      const entry = (kind === 'resource' ? this.source.resources : this.source.data)[type]?.[name];
      if (!entry) throw new HclError(`${kind === 'data' ? 'data.' : ''}${type}.${name} is not declared`);
      c = new Collection(this, kind, type, name, entry.block, entry.file);
      this.collections.set(key, c);
    }
    return c;
  }

  /** Every instance of every resource of a type. */
  instances(type: string): Instance[] {
    return Object.keys(this.source.resources[type] ?? {}).flatMap((name) => this.collection('resource', type, name).list());
  }

  /** A nested-block-aware evaluation of one attribute of a block (dynamic blocks expanded). */
  evaluateBlockAttr(block: Block, attr: string, scope: Scope): unknown {
    const value = block[attr];
    const dynamic = ((block.dynamic as Record<string, Block[]> | undefined) ?? {})[attr];
    const isBlockList = Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (!dynamic && !isBlockList) return evaluateValue(value, scope);
    const out: unknown[] = isBlockList ? (value as Block[]).map((b) => this.evaluateBlock(b, scope)) : [];
    for (const spec of dynamic ?? []) {
      const coll = evaluateValue(spec.for_each, scope);
      if (isUnknown(coll)) throw new HclError(`dynamic "${attr}": for_each is not known before apply (${coll.what})`);
      const iterator = typeof spec.iterator === 'string' ? spec.iterator.replace(/^\$\{|\}$/g, '') : attr;
      const pairs: [unknown, unknown][] = Array.isArray(coll) ? coll.map((v, i) => [i, v]) : Object.entries(coll as Record<string, unknown>);
      for (const [key, value] of pairs) {
        const inner = childScope(scope, { [iterator]: { key: Array.isArray(coll) ? value : key, value } });
        for (const content of (spec.content as Block[] | undefined) ?? []) out.push(this.evaluateBlock(content, inner));
      }
    }
    return out;
  }

  evaluateBlock(block: Block, scope: Scope): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const names = new Set([...Object.keys(block), ...Object.keys((block.dynamic as Block | undefined) ?? {})]);
    names.delete('dynamic');
    for (const name of names) if (!META_ARGS.has(name)) out[name] = this.evaluateBlockAttr(block, name, scope);
    return out;
  }

  /** The attributes Google computes, as it would for this project (deterministic stand-ins). */
  computed(instance: Instance, attr: string): unknown {
    const project = () => {
      const declared = instance.block.project !== undefined ? instance.declared('project') : undefined;
      return typeof declared === 'string' ? declared : this.projectId;
    };
    const str = (a: string) => {
      const v = instance.declared(a);
      return typeof v === 'string' ? v : undefined;
    };
    const location = () => str('location') ?? str('region') ?? this.region;
    if (instance.kind === 'data') {
      if (instance.type === 'google_project') {
        if (attr === 'number') return PROJECT_NUMBER;
        if (attr === 'project_id' || attr === 'name') return str('project_id') ?? this.projectId;
        if (attr === 'id') return `projects/${this.projectId}`;
      }
      if (instance.type === 'google_client_config' && attr === 'project') return this.projectId;
      return undefined;
    }
    switch (instance.type) {
      case 'google_service_account': {
        const email = `${str('account_id')}@${project()}.iam.gserviceaccount.com`;
        if (attr === 'email') return email;
        if (attr === 'name' || attr === 'id') return `projects/${project()}/serviceAccounts/${email}`;
        if (attr === 'member') return `serviceAccount:${email}`;
        if (attr === 'unique_id') return `1${String(hash(email)).padStart(20, '0')}`;
        break;
      }
      case 'google_secret_manager_secret':
        if (attr === 'id') return `projects/${project()}/secrets/${str('secret_id')}`;
        if (attr === 'name') return `projects/${PROJECT_NUMBER}/secrets/${str('secret_id')}`;
        break;
      case 'google_pubsub_topic':
        if (attr === 'id') return `projects/${project()}/topics/${str('name')}`;
        break;
      case 'google_pubsub_subscription':
        if (attr === 'id') return `projects/${project()}/subscriptions/${str('name')}`;
        break;
      case 'google_cloud_tasks_queue':
        if (attr === 'id') return `projects/${project()}/locations/${location()}/queues/${str('name')}`;
        break;
      case 'google_cloudfunctions2_function': {
        const name = str('name');
        if (attr === 'url') return `https://${location()}-${project()}.cloudfunctions.net/${name}`;
        if (attr === 'id') return `projects/${project()}/locations/${location()}/functions/${name}`;
        if (attr === 'service_config') {
          const declared = (instance.declared('service_config') as Record<string, unknown>[] | undefined) ?? [{}];
          return declared.map((sc) => ({ ...sc, uri: runUrl(name ?? ''), service: `projects/${project()}/locations/${location()}/services/${(name ?? '').toLowerCase()}` }));
        }
        break;
      }
      case 'google_api_gateway_gateway':
        if (attr === 'default_hostname') return `${str('gateway_id')}-rehearsal.uc.gateway.dev`;
        break;
      case 'google_project_iam_custom_role':
        if (attr === 'id' || attr === 'name') return `projects/${project()}/roles/${str('role_id')}`;
        break;
      case 'google_firestore_database':
        if (attr === 'id') return `projects/${project()}/databases/${str('name')}`;
        break;
      case 'google_storage_bucket':
        if (attr === 'url') return `gs://${str('name')}`;
        break;
    }
    if (attr === 'project' && instance.block.project === undefined) return project();
    return undefined;
  }
}

/** A stand-in for a Cloud Run service URL (run.app): deterministic, never a real host. */
export const runUrl = (name: string) => `https://${name.toLowerCase()}-rehearsal-uc.a.run.app`;

function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h;
}

// ---------------------------------------------------------------------------------------------
// What is deployed

export interface SecretEnv {
  key: string;
  secret: string;
  version: string;
  projectId: string;
}

export interface RenderedFunction {
  name: string;
  /** The Terraform address, e.g. google_cloudfunctions2_function.http["numbersCreate"]. */
  address: string;
  /** terraform/<file> declaring it. */
  file: string;
  entryPoint: string;
  runtime: string;
  /** environment_variables, each value rendered (an Unknown becomes its description, listed in `unknown`). */
  env: Record<string, string>;
  secretEnv: SecretEnv[];
  serviceAccount: string | undefined;
  url: string;
  runUrl: string;
  timeoutSeconds: number | undefined;
  memory: string | undefined;
  maxInstanceRequestConcurrency: number | undefined;
  ingress: string | undefined;
  /** Rendering problems of this function (values known only after apply, …). */
  problems: string[];
}

export interface IamBinding {
  address: string;
  file: string;
  /** 'project' | 'secret:<id>' | 'topic:<name>' | 'subscription:<name>' | 'serviceAccount:<email>' | 'run:<service>' | 'queue:<name>' | 'other:<type>' */
  scope: string;
  role: string;
  members: string[];
  condition?: { title?: string; expression: string };
  /** A custom role's permissions (google_project_iam_custom_role), as Terraform declares them. */
  permissions?: string[];
}

export interface RenderedSubscription {
  name: string;
  topic: string;
  pushEndpoint?: string;
  oidc?: { serviceAccount: string; audience?: string };
  ackDeadlineSeconds?: number;
  minBackoffSeconds?: number;
  maxBackoffSeconds?: number;
  deadLetter?: { topic: string; maxDeliveryAttempts: number };
}

export interface RenderedQueue {
  name: string;
  maxDispatchesPerSecond?: number;
  maxConcurrentDispatches?: number;
  maxAttempts?: number;
  minBackoffSeconds?: number;
  maxBackoffSeconds?: number;
}

export interface RenderedSchedulerJob {
  name: string;
  uri: string;
  method: string;
  body?: string;
  headers: Record<string, string>;
  oidc?: { serviceAccount: string; audience?: string };
}

export interface RenderedIndex {
  collectionGroup: string;
  queryScope: 'COLLECTION' | 'COLLECTION_GROUP';
  fields: { fieldPath: string; order?: 'ASCENDING' | 'DESCENDING'; arrayConfig?: 'CONTAINS' }[];
  address: string;
}

export interface RenderedGateway {
  /** The OpenAPI 2 document API Gateway is given (templatefile rendered). */
  document: Record<string, unknown>;
  serviceAccount: string | undefined;
  hostname: string;
  address: string;
}

export interface Rendering {
  projectId: string;
  region: string;
  functions: RenderedFunction[];
  iam: IamBinding[];
  topics: string[];
  subscriptions: RenderedSubscription[];
  queues: RenderedQueue[];
  schedulerJobs: RenderedSchedulerJob[];
  secrets: string[];
  indexes: RenderedIndex[];
  gateway: RenderedGateway | undefined;
  /** Service accounts Terraform creates (emails). */
  serviceAccounts: string[];
  /** Variables without a default, absent from the rehearsal's tfvars, given its value of the same name. */
  varsFromRehearsal: string[];
  /** Values of the rehearsal's tfvars for variables Terraform does not declare (ignored). */
  unusedVars: string[];
  /** The functions' source archive (data.archive_file): its folder and what it leaves out. */
  archive?: { sourceDir: string; excludes: string[] };
  problems: string[];
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : isUnknown(v) ? v.toString() : undefined);
const first = (v: unknown): Record<string, unknown> | undefined => (Array.isArray(v) ? (v[0] as Record<string, unknown> | undefined) : undefined);
const seconds = (v: unknown): number | undefined => {
  const s = asString(v);
  if (s === undefined) return undefined;
  const m = /^([0-9.]+)s?$/.exec(s);
  return m ? Number(m[1]) : undefined;
};
const lastSegment = (v: string) => v.split('/').pop()!;

function tryGet<T>(problems: string[], what: string, get: () => T): T | undefined {
  try {
    return get();
  } catch (err) {
    problems.push(`${what}: ${(err as Error).message}`);
    return undefined;
  }
}

export async function renderTerraform(dir: string, options: RenderOptions): Promise<Rendering> {
  const model = new TerraformModel(await loadTerraform(dir), options);
  return renderModel(model);
}

export function renderModel(model: TerraformModel): Rendering {
  const problems: string[] = [];
  const projectId = model.projectId;
  const region = model.region;

  const functions: RenderedFunction[] = [];
  for (const type of ['google_cloudfunctions2_function']) {
    for (const instance of tryGet(problems, type, () => model.instances(type)) ?? []) {
      const fnProblems: string[] = [];
      const name = asString(tryGet(fnProblems, 'name', () => instance.get('name'))) ?? instance.describe;
      const build = first(tryGet(fnProblems, 'build_config', () => instance.declared('build_config')));
      const service = first(tryGet(fnProblems, 'service_config', () => instance.declared('service_config'))) ?? {};
      const env: Record<string, string> = {};
      const rawEnv = service.environment_variables;
      if (isUnknown(rawEnv)) fnProblems.push(`environment_variables known only after apply: ${rawEnv.what}`);
      else if (rawEnv && typeof rawEnv === 'object') {
        for (const [key, value] of Object.entries(rawEnv as Record<string, unknown>)) {
          if (value === null) continue; // Terraform drops null map values
          if (isUnknown(value)) fnProblems.push(`${key} is known only after apply (${value.what})`);
          env[key] = asString(value) ?? JSON.stringify(value);
        }
      }
      const secretEnv: SecretEnv[] = [];
      for (const s of (service.secret_environment_variables as Record<string, unknown>[] | undefined) ?? []) {
        const secret = asString(s.secret) ?? '';
        secretEnv.push({
          key: asString(s.key) ?? '',
          secret: lastSegment(secret.replace(/\/versions\/[^/]+$/, '')),
          version: asString(s.version) ?? 'latest',
          projectId: asString(s.project_id) ?? projectId,
        });
      }
      const sa = service.service_account_email;
      if (isUnknown(sa)) fnProblems.push(`service_account_email known only after apply: ${sa.what}`);
      functions.push({
        name,
        address: instance.describe,
        file: instance.file,
        entryPoint: asString(build?.entry_point) ?? name,
        runtime: asString(build?.runtime) ?? 'unknown',
        env,
        secretEnv,
        // Unset: the Compute Engine default service account.
        serviceAccount: typeof sa === 'string' ? sa : sa === undefined || sa === null ? `${PROJECT_NUMBER}-compute@developer.gserviceaccount.com` : undefined,
        url: `https://${region}-${projectId}.cloudfunctions.net/${name}`,
        runUrl: runUrl(name),
        timeoutSeconds: Number(asString(service.timeout_seconds)) || undefined,
        memory: asString(service.available_memory),
        maxInstanceRequestConcurrency: Number(asString(service.max_instance_request_concurrency)) || undefined,
        ingress: asString(service.ingress_settings),
        problems: fnProblems,
      });
    }
  }

  // IAM grants, by the resource they are on.
  const iam: IamBinding[] = [];
  const iamTypes: Record<string, (i: Record<string, unknown>) => string> = {
    google_project_iam_member: () => 'project',
    google_project_iam_binding: () => 'project',
    google_secret_manager_secret_iam_member: (i) => `secret:${lastSegment(asString(i.secret_id) ?? '')}`,
    google_secret_manager_secret_iam_binding: (i) => `secret:${lastSegment(asString(i.secret_id) ?? '')}`,
    google_pubsub_topic_iam_member: (i) => `topic:${lastSegment(asString(i.topic) ?? '')}`,
    google_pubsub_topic_iam_binding: (i) => `topic:${lastSegment(asString(i.topic) ?? '')}`,
    google_pubsub_subscription_iam_member: (i) => `subscription:${lastSegment(asString(i.subscription) ?? '')}`,
    google_service_account_iam_member: (i) => `serviceAccount:${lastSegment(asString(i.service_account_id) ?? '')}`,
    google_service_account_iam_binding: (i) => `serviceAccount:${lastSegment(asString(i.service_account_id) ?? '')}`,
    google_cloud_run_service_iam_member: (i) => `run:${lastSegment(asString(i.service) ?? '')}`,
    google_cloud_run_v2_service_iam_member: (i) => `run:${lastSegment(asString(i.name) ?? '')}`,
    google_cloudfunctions2_function_iam_member: (i) => `run:${lastSegment(asString(i.cloud_function) ?? '')}`,
    google_cloud_tasks_queue_iam_member: (i) => `queue:${lastSegment(asString(i.name) ?? '')}`,
  };
  for (const [type, scopeOf] of Object.entries(iamTypes)) {
    for (const instance of tryGet(problems, type, () => model.instances(type)) ?? []) {
      const attrs = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
      if (!attrs) continue;
      const members = (attrs.members as unknown[] | undefined)?.map((m) => asString(m) ?? '') ?? [asString(attrs.member) ?? ''];
      const condition = first(attrs.condition);
      iam.push({
        address: instance.describe,
        file: instance.file,
        scope: type.startsWith('google_cloud_run') || type.startsWith('google_cloudfunctions2') ? scopeOf(attrs).toLowerCase() : scopeOf(attrs),
        role: asString(attrs.role) ?? '',
        members,
        ...(condition ? { condition: { ...(asString(condition.title) ? { title: asString(condition.title)! } : {}), expression: asString(condition.expression) ?? '' } } : {}),
      });
    }
  }

  // Custom roles: a binding to one gives the permissions Terraform lists for it.
  const customRoles = new Map<string, string[]>();
  for (const instance of tryGet(problems, 'custom roles', () => model.instances('google_project_iam_custom_role')) ?? []) {
    const role = tryGet(problems, instance.describe, () => ({ id: asString(instance.get('id'))!, permissions: ((instance.declared('permissions') as unknown[] | undefined) ?? []).map(String) }));
    if (role) customRoles.set(role.id, role.permissions);
  }
  for (const binding of iam) {
    const permissions = customRoles.get(binding.role);
    if (permissions) binding.permissions = permissions;
  }

  const topics = (tryGet(problems, 'topics', () => model.instances('google_pubsub_topic').map((t) => asString(t.get('name'))!)) ?? []).sort();
  const subscriptions: RenderedSubscription[] = [];
  for (const instance of tryGet(problems, 'subscriptions', () => model.instances('google_pubsub_subscription')) ?? []) {
    const s = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    if (!s) continue;
    const push = first(s.push_config);
    const oidc = first(push?.oidc_token);
    const retry = first(s.retry_policy);
    const dead = first(s.dead_letter_policy);
    subscriptions.push({
      name: asString(s.name)!,
      topic: lastSegment(asString(s.topic) ?? ''),
      ...(push ? { pushEndpoint: asString(push.push_endpoint) } : {}),
      ...(oidc ? { oidc: { serviceAccount: asString(oidc.service_account_email)!, ...(oidc.audience ? { audience: asString(oidc.audience) } : {}) } } : {}),
      ...(s.ack_deadline_seconds !== undefined ? { ackDeadlineSeconds: Number(s.ack_deadline_seconds) } : {}),
      ...(retry ? { minBackoffSeconds: seconds(retry.minimum_backoff), maxBackoffSeconds: seconds(retry.maximum_backoff) } : {}),
      ...(dead ? { deadLetter: { topic: lastSegment(asString(dead.dead_letter_topic) ?? ''), maxDeliveryAttempts: Number(dead.max_delivery_attempts ?? 5) } } : {}),
    });
  }

  const queues: RenderedQueue[] = [];
  for (const instance of tryGet(problems, 'queues', () => model.instances('google_cloud_tasks_queue')) ?? []) {
    const q = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    if (!q) continue;
    const rates = first(q.rate_limits);
    const retry = first(q.retry_config);
    queues.push({
      name: asString(q.name)!,
      ...(rates ? { maxDispatchesPerSecond: Number(rates.max_dispatches_per_second), maxConcurrentDispatches: Number(rates.max_concurrent_dispatches) } : {}),
      ...(retry ? { maxAttempts: Number(retry.max_attempts), minBackoffSeconds: seconds(retry.min_backoff), maxBackoffSeconds: seconds(retry.max_backoff) } : {}),
    });
  }

  const schedulerJobs: RenderedSchedulerJob[] = [];
  for (const instance of tryGet(problems, 'scheduler', () => model.instances('google_cloud_scheduler_job')) ?? []) {
    const j = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    const target = first(j?.http_target);
    if (!j || !target) continue;
    const oidc = first(target.oidc_token);
    schedulerJobs.push({
      name: asString(j.name)!,
      uri: asString(target.uri)!,
      method: asString(target.http_method) ?? 'POST',
      ...(target.body ? { body: Buffer.from(asString(target.body)!, 'base64').toString('utf8') } : {}),
      headers: (target.headers as Record<string, string> | undefined) ?? {},
      ...(oidc ? { oidc: { serviceAccount: asString(oidc.service_account_email)!, ...(oidc.audience ? { audience: asString(oidc.audience) } : {}) } } : {}),
    });
  }

  const secrets = (tryGet(problems, 'secrets', () => model.instances('google_secret_manager_secret').map((s) => asString(s.get('secret_id'))!)) ?? []).sort();

  const indexes: RenderedIndex[] = [];
  for (const instance of tryGet(problems, 'indexes', () => model.instances('google_firestore_index')) ?? []) {
    const i = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    if (!i) continue;
    indexes.push({
      collectionGroup: asString(i.collection)!,
      queryScope: (asString(i.query_scope) ?? 'COLLECTION') as RenderedIndex['queryScope'],
      fields: ((i.fields as Record<string, unknown>[] | undefined) ?? []).map((f) => ({
        fieldPath: asString(f.field_path)!,
        ...(f.order ? { order: asString(f.order) as 'ASCENDING' } : {}),
        ...(f.array_config ? { arrayConfig: 'CONTAINS' as const } : {}),
      })),
      address: instance.describe,
    });
  }
  // Single-field index settings (google_firestore_field index_config): as one-field "indexes".
  for (const instance of tryGet(problems, 'fields', () => model.instances('google_firestore_field')) ?? []) {
    const f = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    const config = first(f?.index_config);
    if (!f || !config) continue;
    for (const index of (config.indexes as Record<string, unknown>[] | undefined) ?? []) {
      indexes.push({
        collectionGroup: asString(f.collection)!,
        queryScope: (asString(index.query_scope) ?? 'COLLECTION') as RenderedIndex['queryScope'],
        fields: [{ fieldPath: asString(f.field)!, ...(index.order ? { order: asString(index.order) as 'ASCENDING' } : {}), ...(index.array_config ? { arrayConfig: 'CONTAINS' as const } : {}) }],
        address: instance.describe,
      });
    }
  }

  let gateway: RenderedGateway | undefined;
  const configs = tryGet(problems, 'gateway', () => model.instances('google_api_gateway_api_config')) ?? [];
  for (const instance of configs) {
    const c = tryGet(problems, instance.describe, () => model.evaluateBlock(instance.block, instance.scope()));
    const doc = first(first(c?.openapi_documents)?.document);
    if (!c || !doc) continue;
    const contents = asString(doc.contents);
    if (!contents || contents.startsWith('(known after apply')) {
      problems.push(`${instance.describe}: the OpenAPI document cannot be rendered (${contents})`);
      continue;
    }
    const text = Buffer.from(contents, 'base64').toString('utf8');
    const backend = first(first(c.gateway_config)?.backend_config);
    const gatewayInstance = model.instances('google_api_gateway_gateway')[0];
    gateway = {
      document: JSON.parse(text) as Record<string, unknown>,
      serviceAccount: asString(backend?.google_service_account),
      hostname: asString(gatewayInstance?.get('default_hostname')) ?? 'gateway.rehearsal.invalid',
      address: instance.describe,
    };
  }

  const serviceAccounts = (tryGet(problems, 'service accounts', () => model.instances('google_service_account').map((s) => asString(s.get('email'))!)) ?? []).sort();

  let archive: Rendering['archive'];
  for (const name of Object.keys(model.source.data.archive_file ?? {})) {
    const a = tryGet(problems, `data.archive_file.${name}`, () => model.evaluateBlock(model.source.data.archive_file![name]!.block, model.scope));
    if (typeof a?.source_dir === 'string') {
      archive = { sourceDir: path.resolve(model.source.dir, a.source_dir), excludes: ((a.excludes as unknown[] | undefined) ?? []).map(String) };
      break;
    }
  }

  return { projectId, region, functions, iam, topics, subscriptions, queues, schedulerJobs, secrets, indexes, gateway, serviceAccounts, varsFromRehearsal: model.fromFallback, unusedVars: model.unusedVars, ...(archive ? { archive } : {}), problems };
}
