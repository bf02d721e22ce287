/**
 * The IAM model of the rehearsal: which permission a Google API call needs, which predefined roles
 * give it, and whether the grants Terraform declares (rendered by ./render.ts) give it to a member
 * on a resource. Covers the APIs the functions call (Secret Manager, Cloud Tasks, Pub/Sub,
 * Firestore, Cloud Run invocation, acting as a service account); a role outside the table gives
 * nothing here.
 *
 * Conditional grants are evaluated with a small CEL subset (resource.name / resource.type /
 * resource.service, startsWith, endsWith, extract, ==, !=, &&, ||, !, parentheses). Resource names
 * and types follow Google's resource-attribute conventions as this file understands them; a denial
 * that depends only on a condition is reported as a warning, not enforced, since the evaluation of a
 * condition here is a model of Google's, not Google's.
 */
import type { IamBinding } from './render.js';

/** Predefined roles → the permissions of the table that they include. */
const ROLE_PERMISSIONS: Record<string, string[]> = {
  'roles/secretmanager.secretAccessor': ['secretmanager.versions.access'],
  'roles/secretmanager.secretVersionAdder': ['secretmanager.versions.add'],
  'roles/secretmanager.secretVersionManager': ['secretmanager.versions.add', 'secretmanager.versions.list', 'secretmanager.versions.get', 'secretmanager.versions.destroy', 'secretmanager.versions.disable', 'secretmanager.versions.enable', 'secretmanager.secrets.get'],
  'roles/secretmanager.viewer': ['secretmanager.secrets.get', 'secretmanager.secrets.list', 'secretmanager.versions.get', 'secretmanager.versions.list'],
  'roles/secretmanager.admin': [
    'secretmanager.secrets.create',
    'secretmanager.secrets.delete',
    'secretmanager.secrets.get',
    'secretmanager.secrets.list',
    'secretmanager.secrets.update',
    'secretmanager.versions.access',
    'secretmanager.versions.add',
    'secretmanager.versions.destroy',
    'secretmanager.versions.disable',
    'secretmanager.versions.enable',
    'secretmanager.versions.get',
    'secretmanager.versions.list',
  ],
  'roles/cloudtasks.enqueuer': ['cloudtasks.tasks.create'],
  'roles/cloudtasks.admin': ['cloudtasks.tasks.create', 'cloudtasks.tasks.delete', 'cloudtasks.tasks.get', 'cloudtasks.tasks.list', 'cloudtasks.queues.get'],
  'roles/cloudtasks.taskDeleter': ['cloudtasks.tasks.delete'],
  'roles/iam.serviceAccountUser': ['iam.serviceAccounts.actAs'],
  'roles/iam.serviceAccountTokenCreator': ['iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.signJwt'],
  'roles/pubsub.publisher': ['pubsub.topics.publish'],
  'roles/pubsub.subscriber': ['pubsub.subscriptions.consume', 'pubsub.topics.attachSubscription'],
  'roles/pubsub.editor': ['pubsub.topics.publish', 'pubsub.subscriptions.consume', 'pubsub.topics.create', 'pubsub.topics.get'],
  'roles/pubsub.admin': ['pubsub.topics.publish', 'pubsub.subscriptions.consume', 'pubsub.topics.create', 'pubsub.topics.get'],
  'roles/datastore.user': ['datastore.entities.get', 'datastore.entities.list', 'datastore.entities.create', 'datastore.entities.update', 'datastore.entities.delete', 'datastore.databases.get'],
  'roles/datastore.viewer': ['datastore.entities.get', 'datastore.entities.list', 'datastore.databases.get'],
  'roles/datastore.owner': ['datastore.entities.get', 'datastore.entities.list', 'datastore.entities.create', 'datastore.entities.update', 'datastore.entities.delete', 'datastore.databases.get', 'datastore.indexes.list'],
  'roles/run.invoker': ['run.routes.invoke'],
  'roles/cloudfunctions.invoker': ['cloudfunctions.functions.invoke'],
};
const ALL = '*';
const BASIC_ROLES: Record<string, (permission: string) => boolean> = {
  'roles/owner': () => true,
  // Editor cannot read secret payloads nor act as service accounts it was not given.
  'roles/editor': (p) => p !== 'secretmanager.versions.access' && p !== 'iam.serviceAccounts.actAs',
};

export function roleGrants(role: string, permission: string): boolean {
  const basic = BASIC_ROLES[role];
  if (basic) return basic(permission);
  const perms = ROLE_PERMISSIONS[role];
  return !!perms && (perms.includes(permission) || perms.includes(ALL));
}

/** The predefined roles of the table that give a permission (for messages: "e.g. roles/…"). */
export function rolesWith(permission: string): string[] {
  return Object.entries(ROLE_PERMISSIONS)
    .filter(([, perms]) => perms.includes(permission))
    .map(([role]) => role);
}

/** What a permission is checked on: the binding scopes that cover it, and its IAM condition attributes. */
export interface IamResource {
  /** Binding scopes that include this resource, narrowest first: e.g. ['secret:foo', 'project']. */
  scopes: string[];
  /** resource.name / resource.type / resource.service as IAM conditions see them. */
  name: string;
  type: string;
  service: string;
  /** For messages: e.g. "secret provider-twilio-platform". */
  describe: string;
  /** Other plausible readings of resource.name / resource.type (the condition model's doubt). */
  alternatives?: { name: string; type: string }[];
}

export interface Decision {
  allowed: boolean;
  /** Allowed only by a grant whose condition this model evaluated as false: not enforced, reported. */
  conditionDoubt?: { binding: IamBinding; evaluated: boolean | 'unknown' }[];
  /** The binding that allowed it. */
  by?: IamBinding;
}

export function memberOf(email: string): string {
  return `serviceAccount:${email}`;
}

export function checkPermission(bindings: readonly IamBinding[], member: string, permission: string, resource: IamResource): Decision {
  const doubts: { binding: IamBinding; evaluated: boolean | 'unknown' }[] = [];
  for (const binding of bindings) {
    if (!resource.scopes.includes(binding.scope)) continue;
    if (!binding.members.includes(member) && !binding.members.includes('allUsers') && !(binding.members.includes('allAuthenticatedUsers') && member !== 'allUsers')) continue;
    if (!(binding.permissions ? binding.permissions.includes(permission) : roleGrants(binding.role, permission))) continue;
    if (!binding.condition) return { allowed: true, by: binding };
    const evaluated = evaluateCondition(binding.condition.expression, resource);
    if (evaluated === true) return { allowed: true, by: binding };
    // Only a doubt if some other reading (lenient extract(), another name or type) would grant it.
    const readings = [resource, ...(resource.alternatives ?? []).map((a) => ({ ...resource, ...a }))];
    const someReading = readings.some((r) => [false, true].some((lenient) => evaluateCondition(binding.condition!.expression, r, lenient) !== false));
    if (someReading) doubts.push({ binding, evaluated });
  }
  return doubts.length ? { allowed: false, conditionDoubt: doubts } : { allowed: false };
}

// ---------------------------------------------------------------------------------------------
// A CEL subset for IAM conditions

type Cel = string | boolean;

export function evaluateCondition(expression: string, resource: IamResource, lenientExtract = false): boolean | 'unknown' {
  try {
    const value = new CelParser(expression, resource, lenientExtract).parse();
    return typeof value === 'boolean' ? value : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * CEL's extract(): the text matched by {name} in the first place the template matches, or "".
 * Lenient: a template suffix missing from the value matches the end (another reading of the docs).
 */
export function celExtract(value: string, template: string, lenient = false): string {
  const m = /^(.*?)\{[A-Za-z_]+\}(.*)$/.exec(template);
  if (!m) return '';
  const [, prefix, suffix] = m as unknown as [string, string, string];
  const start = value.indexOf(prefix);
  if (start < 0) return '';
  const from = start + prefix.length;
  if (!suffix) return value.slice(from);
  const end = value.indexOf(suffix, from);
  return end < 0 ? (lenient ? value.slice(from) : '') : value.slice(from, end);
}

class CelParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly resource: IamResource,
    private readonly lenient = false,
  ) {}

  parse(): Cel {
    const v = this.or();
    this.space();
    if (this.pos < this.src.length) throw new Error(`unexpected ${this.src.slice(this.pos)}`);
    return v;
  }
  private space(): void {
    while (/\s/.test(this.src[this.pos] ?? '')) this.pos++;
  }
  private eat(token: string): boolean {
    this.space();
    if (this.src.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }
  private or(): Cel {
    let left = this.and();
    while (this.eat('||')) {
      const right = this.and();
      left = left === true || right === true;
    }
    return left;
  }
  private and(): Cel {
    let left = this.comparison();
    while (this.eat('&&')) {
      const right = this.comparison();
      left = left === true && right === true;
    }
    return left;
  }
  private comparison(): Cel {
    const left = this.unary();
    if (this.eat('==')) return left === this.unary();
    if (this.eat('!=')) return left !== this.unary();
    return left;
  }
  private unary(): Cel {
    if (this.eat('!')) return !(this.unary() === true);
    return this.postfix(this.primary());
  }
  private primary(): Cel {
    if (this.eat('(')) {
      const v = this.or();
      if (!this.eat(')')) throw new Error('expected )');
      return v;
    }
    this.space();
    const quote = this.src[this.pos];
    if (quote === '"' || quote === "'") {
      const end = this.src.indexOf(quote, this.pos + 1);
      const text = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
      return text;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(this.src.slice(this.pos));
    if (!m) throw new Error(`unexpected ${this.src.slice(this.pos)}`);
    // A method call follows a member path: take the longest known attribute.
    for (const attr of ['resource.name', 'resource.type', 'resource.service', 'true', 'false']) {
      if (m[0] === attr || m[0].startsWith(`${attr}.`)) {
        this.pos += attr.length;
        if (attr === 'true') return true;
        if (attr === 'false') return false;
        return attr === 'resource.name' ? this.resource.name : attr === 'resource.type' ? this.resource.type : this.resource.service;
      }
    }
    throw new Error(`unsupported attribute ${m[0]}`);
  }
  private postfix(value: Cel): Cel {
    let v = value;
    for (;;) {
      this.space();
      const m = /^\.(startsWith|endsWith|extract|contains)\(/.exec(this.src.slice(this.pos));
      if (!m) return v;
      this.pos += m[0].length;
      const arg = this.or();
      if (!this.eat(')')) throw new Error('expected )');
      const s = String(v);
      const a = String(arg);
      v = m[1] === 'startsWith' ? s.startsWith(a) : m[1] === 'endsWith' ? s.endsWith(a) : m[1] === 'contains' ? s.includes(a) : celExtract(s, a, this.lenient);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resources as IAM sees them

export const resources = {
  project(projectNumber: string): IamResource {
    return { scopes: ['project'], name: `projects/${projectNumber}`, type: 'cloudresourcemanager.googleapis.com/Project', service: 'cloudresourcemanager.googleapis.com', describe: 'the project' };
  },
  /** Creating a secret is checked on the project (the secret does not exist yet). */
  secretParent(projectNumber: string, projectId?: string): IamResource {
    return {
      scopes: ['project'],
      name: `projects/${projectNumber}`,
      type: 'cloudresourcemanager.googleapis.com/Project',
      service: 'secretmanager.googleapis.com',
      describe: 'the project (creating a secret)',
      alternatives: [
        { name: `projects/${projectNumber}`, type: 'secretmanager.googleapis.com/Project' },
        ...(projectId ? [{ name: `projects/${projectId}`, type: 'secretmanager.googleapis.com/Project' }] : []),
      ],
    };
  },
  secret(projectNumber: string, id: string, projectId?: string): IamResource {
    return {
      scopes: [`secret:${id}`, 'project'],
      name: `projects/${projectNumber}/secrets/${id}`,
      type: 'secretmanager.googleapis.com/Secret',
      service: 'secretmanager.googleapis.com',
      describe: `secret ${id}`,
      ...(projectId ? { alternatives: [{ name: `projects/${projectId}/secrets/${id}`, type: 'secretmanager.googleapis.com/Secret' }] } : {}),
    };
  },
  secretVersion(projectNumber: string, id: string, version: string, projectId?: string): IamResource {
    return {
      scopes: [`secret:${id}`, 'project'],
      name: `projects/${projectNumber}/secrets/${id}/versions/${version}`,
      type: 'secretmanager.googleapis.com/SecretVersion',
      service: 'secretmanager.googleapis.com',
      describe: `secret ${id} (version ${version})`,
      ...(projectId ? { alternatives: [{ name: `projects/${projectId}/secrets/${id}/versions/${version}`, type: 'secretmanager.googleapis.com/SecretVersion' }] } : {}),
    };
  },
  queue(projectId: string, location: string, name: string): IamResource {
    return { scopes: [`queue:${name}`, 'project'], name: `projects/${projectId}/locations/${location}/queues/${name}`, type: 'cloudtasks.googleapis.com/Queue', service: 'cloudtasks.googleapis.com', describe: `queue ${name}` };
  },
  topic(projectId: string, name: string): IamResource {
    return { scopes: [`topic:${name}`, 'project'], name: `projects/${projectId}/topics/${name}`, type: 'pubsub.googleapis.com/Topic', service: 'pubsub.googleapis.com', describe: `topic ${name}` };
  },
  subscription(projectId: string, name: string): IamResource {
    return { scopes: [`subscription:${name}`, 'project'], name: `projects/${projectId}/subscriptions/${name}`, type: 'pubsub.googleapis.com/Subscription', service: 'pubsub.googleapis.com', describe: `subscription ${name}` };
  },
  serviceAccount(projectId: string, email: string): IamResource {
    return { scopes: [`serviceAccount:${email}`, 'project'], name: `projects/${projectId}/serviceAccounts/${email}`, type: 'iam.googleapis.com/ServiceAccount', service: 'iam.googleapis.com', describe: `service account ${email}` };
  },
  database(projectId: string): IamResource {
    return { scopes: ['project'], name: `projects/${projectId}/databases/(default)`, type: 'firestore.googleapis.com/Database', service: 'firestore.googleapis.com', describe: 'the Firestore database' };
  },
  runService(projectId: string, location: string, fn: string): IamResource {
    const service = fn.toLowerCase();
    return { scopes: [`run:${service}`, 'project'], name: `projects/${projectId}/locations/${location}/services/${service}`, type: 'run.googleapis.com/Service', service: 'run.googleapis.com', describe: `function ${fn}` };
  },
};
