import { createHash } from 'node:crypto';
import type { AuditContext } from '../../../shared/domain/audit.js';
import type { Config } from '../../../shared/config.js';
import type { Ports } from '../../../shared/ports.js';
import { AppError, conflict } from '../../../shared/http/errors.js';
import { credentialSchemas, maskCredentials, type AccountProvider } from '../../../shared/providers/credentials.js';
import { createProvider, numberProviders, platformSecretName, type AccountLookup, type NumberProviderName } from '../../../shared/providers/registry.js';
import { ProviderError } from '../../../shared/providers/types.js';
import {
  accountsOfProvider,
  accountsTx,
  heldNumberCount,
  claimOwner,
  inAccountsTx,
  keyHeldElsewhere,
  releaseOwner,
  providerAccountsCollection,
  readAccountKey,
  recordLegacyKey,
  type AccountKeyDoc,
  type ProviderAccountRecord,
} from '../repository.js';
import { readAccountPolicy } from './tenant-settings.js';

export { parseProviderAccount, providerAccountsCollection, type ProviderAccountRecord } from '../repository.js';

/**
 * What identifies the provider account behind a set of credentials: Twilio's Account SID, Plivo's
 * Auth ID, Vonage's API key, Somos' username. A Telnyx API key names no account, so the key itself
 * stands for it (a rotated Telnyx key cannot be matched to the old one).
 */
export function accountIdentity(provider: AccountProvider, credentials: Record<string, string>): string {
  switch (provider) {
    case 'twilio':
      return credentials.accountSid!;
    case 'plivo':
      return credentials.authId!;
    case 'vonage':
      return credentials.apiKey!;
    case 'telnyx':
    case 'vapi':
      return credentials.apiKey!;
    case 'somos':
      return credentials.username!;
  }
}

/** Whether a provider's credentials name their account (so a rotation must keep it). */
const identityIsSecret = (provider: AccountProvider) => provider === 'telnyx' || provider === 'vapi';

/** A key for the account behind credentials, safe to store and to use as a document id (a hash: a Telnyx key is a secret). */
export const accountKey = (provider: AccountProvider, credentials: Record<string, string>) =>
  createHash('sha256').update(`${provider}:${accountIdentity(provider, credentials)}`).digest('hex').slice(0, 40);

/** The resolver's view: which secret backs a tenant's (default) account for a provider. */
export function accountLookup(db: Ports['db'], config?: Pick<Config, 'ACCOUNT_POLICY_DEFAULT'>): AccountLookup {
  const accounts = providerAccountsCollection(db);
  return {
    // Read beside the account lookup (registry.ts forTenant), used only when a tenant has no account of its own for the provider (one document read).
    async policy(tenantId) {
      return (await readAccountPolicy(db, tenantId, { ACCOUNT_POLICY_DEFAULT: config?.ACCOUNT_POLICY_DEFAULT ?? 'platform' })).policy;
    },
    async find(tenantId, provider, accountId) {
      if (accountId) {
        const account = await accounts.get(tenantId, accountId);
        return account && account.provider === provider ? { id: account.id, secretName: account.secretName } : undefined;
      }
      // On every provider call: one indexed read, no count.
      const page = await accounts.list(tenantId, 1, undefined, [['provider', '==', provider], ['isDefault', '==', true]], { total: false });
      const account = page.items[0];
      return account ? { id: account.id, secretName: account.secretName } : undefined;
    },
  };
}

/**
 * Whether `credentials` (only the identifying field is needed, e.g. a Twilio AccountSid) name the
 * tenant's account `accountId` as it was when it was removed: its key document outlives it as a
 * tombstone. The inbound relay's check of a message to a detached number, whose secret is gone.
 */
export async function isRemovedAccount(db: Ports['db'], tenantId: string, provider: AccountProvider, accountId: string, credentials: Record<string, string>): Promise<boolean> {
  if (!accountIdentity(provider, credentials)) return false;
  const doc = await readAccountKey(db, tenantId, accountKey(provider, credentials));
  return !!doc && doc.accountId === accountId && !!doc.removedAt;
}

export const tenantSecretName = (tenantId: string, provider: AccountProvider, id: string) => `tenant-${tenantId}-${provider}-${id}`;

type AccountDeps = Pick<Ports, 'db' | 'secrets' | 'config' | 'log' | 'now'>;

/** Verifies credentials with the provider; a refusal is the caller's mistake (400), nothing else changes. */
async function verifyWithProvider(deps: AccountDeps, provider: AccountProvider, credentials: Record<string, string>, refused: string): Promise<void> {
  const client = await createProvider(provider as NumberProviderName, credentials, deps);
  try {
    await client.verifyCredentials();
  } catch (err) {
    if (err instanceof ProviderError && (err.info.kind === 'auth' || err.info.httpStatus === 401 || err.info.httpStatus === 403)) {
      throw new AppError('VALIDATION_ERROR', refused, { issues: [{ path: 'body.credentials', message: 'rejected by the provider' }], provider });
    }
    throw err;
  }
}

function parseCredentials(provider: AccountProvider, credentials: Record<string, string>): Record<string, string> {
  const parsed = credentialSchemas[provider].safeParse(credentials);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: ['body', 'credentials', ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new AppError('VALIDATION_ERROR', `Invalid ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
}

const duplicate = (provider: AccountProvider, accountId: string) =>
  conflict(`This ${provider} account is already added as ${accountId}; change its credentials with PATCH /v1/provider-accounts/${accountId}`, {
    reason: 'duplicate_account',
    accountId,
  });

/**
 * The same provider account added by another tenant: refused, without saying which tenant (nor whether
 * its id exists), and only to a caller whose credentials the provider accepted.
 */
const registeredElsewhere = (provider: AccountProvider) =>
  conflict(`This ${provider} account is already added to the platform by another tenant; a provider account can be added by one tenant only`, {
    reason: 'account_in_use',
    provider,
  });

/** Whether `key` is the platform's own account of the provider (it is nobody's to add). */
async function isPlatformKey(deps: Pick<Ports, 'secrets'>, provider: AccountProvider, key: string): Promise<boolean> {
  const raw = await deps.secrets.access(platformSecretName(provider)).catch(() => undefined);
  if (raw === undefined) return false;
  try {
    return accountKey(provider, JSON.parse(raw) as Record<string, string>) === key;
  } catch {
    return false;
  }
}

/**
 * The tenant's accounts of a provider added before accounts had a key: their key is computed from
 * their secret and recorded (key document and field), so they count as added too. Answers how many
 * it recorded.
 */
async function keyLegacyAccounts(deps: AccountDeps, tenantId: string, provider: AccountProvider): Promise<number> {
  let recorded = 0;
  for (const account of await accountsOfProvider(deps.db, tenantId, provider)) {
    if (account.accountKey) continue;
    let key: string;
    try {
      key = accountKey(provider, JSON.parse(await deps.secrets.access(account.secretName)) as Record<string, string>);
    } catch (err) {
      deps.log.warn('could not read the credentials of an account added before account keys', { accountId: account.id, err });
      continue;
    }
    await recordLegacyKey(deps.db, account, key);
    recorded++;
  }
  return recorded;
}

export function addProviderAccount(deps: AccountDeps) {
  const accounts = providerAccountsCollection(deps.db);
  return async (
    tenantId: string,
    input: { provider: AccountProvider; credentials: Record<string, string>; label?: string; isDefault?: boolean },
    audit: AuditContext,
    uid: string,
  ): Promise<ProviderAccountRecord & { reattachedNumbers?: number }> => {
    const { provider } = input;
    if (!(numberProviders as readonly string[]).includes(provider)) {
      throw new AppError('VALIDATION_ERROR', `${provider} accounts cannot be added yet: the platform does not support ${provider} numbers`, {
        issues: [{ path: 'body.provider', message: `supported: ${numberProviders.join(', ')}` }],
      });
    }
    const credentials = credentialSchemas[provider].parse(input.credentials) as Record<string, string>;
    const key = accountKey(provider, credentials);
    // The same account twice is refused before the provider is asked; another tenant's (the platform-wide
    // index says) once it has answered. Both are read in one snapshot, while the keys of accounts added
    // before account keys are recorded (read again if any was), and both are checked again, race-free, below.
    const snapshot = () => inAccountsTx(deps.db, (t) => Promise.all([t.liveAccountFor(tenantId, key), t.ownerFor(key, tenantId)]), { readOnly: true });
    // Another tenant's account from before the index (its record has the key), and the platform's own,
    // are looked up at the same time: reads only, answered after the provider's.
    const [elsewhere, platformKey] = [keyHeldElsewhere(deps.db, tenantId, key), isPlatformKey(deps, provider, key)];
    elsewhere.catch(() => undefined);
    const [recorded, first] = await Promise.all([keyLegacyAccounts(deps, tenantId, provider), snapshot()]);
    const [known, owner] = recorded > 0 ? await snapshot() : first;
    if (known.liveId) throw duplicate(provider, known.liveId);
    await verifyWithProvider(deps, provider, credentials, `${provider} rejected these credentials; nothing was stored. Check them and try again.`);
    if (owner === 'other' || (owner === 'none' && (await elsewhere)) || (await platformKey)) throw registeredElsewhere(provider);

    // The same account removed earlier gets its id back: the numbers bought on it name that id.
    const id = known.keyDoc?.accountId ?? accounts.newId();
    const secretName = known.keyDoc ? `${tenantSecretName(tenantId, provider, id)}-${Date.now().toString(36)}` : tenantSecretName(tenantId, provider, id);
    const secretVersion = await deps.secrets.put(secretName, JSON.stringify(credentials), { tenant: tenantId, provider });
    const now = deps.now().toISOString();
    const record: ProviderAccountRecord = {
      id,
      tenantId,
      provider,
      ...(input.label ? { label: input.label } : {}),
      secretName,
      secretVersion,
      accountKey: key,
      credentialsPreview: maskCredentials(provider, credentials),
      isDefault: false,
      verifiedAt: now,
      createdAt: now,
      updatedAt: now,
      createdBy: uid,
    };
    let created: ProviderAccountRecord;
    try {
      created = await accounts.create(record, audit, known.keyDoc ? 'provider_accounts.create_again' : 'provider_accounts.create', async (tx, fs) => {
        const t = accountsTx(tx, fs);
        const [latest, ownerNow, defaults] = await Promise.all([t.liveAccountFor(tenantId, key), t.ownerFor(key, tenantId), t.defaultAccountIds(tenantId, provider)]);
        if (latest.liveId) throw duplicate(provider, latest.liveId);
        if (ownerNow === 'other') throw registeredElsewhere(provider);
        if ((latest.keyDoc?.accountId ?? record.id) !== record.id) throw conflict('This account was added or removed meanwhile; try again', { retryable: true });
        // The first account of a provider becomes its default; a new default replaces the old one.
        record.isDefault = defaults.length === 0 || input.isDefault === true;
        if (record.isDefault) for (const other of defaults) t.unsetDefault(tenantId, other, now);
        t.setKey(tenantId, key, { provider, accountId: record.id, createdAt: now } satisfies AccountKeyDoc);
        t.setOwner(key, { provider, tenantId, accountId: record.id, createdAt: now });
      });
    } catch (err) {
      await deps.secrets.delete(secretName).catch((e) => deps.log.error('could not remove the secret of a failed account creation', { secretName, err: e }));
      throw err;
    }
    if (!known.keyDoc) return created;
    // Numbers left detached by the earlier removal name this id again: they are attached.
    const reattached = await heldNumberCount(deps.db, tenantId, id);
    deps.log.info('provider account added again; its numbers are attached again', { accountId: id, provider, reattached });
    return { ...created, reattachedNumbers: reattached };
  };
}

/**
 * Replaces an account's credentials (rotation), label or default flag. New credentials must be for the
 * same provider account and are verified with the provider before they are stored; they become a new
 * version of the account's secret, and the older versions are disabled only once the new one has been
 * read back and works (the account is then used with it, end to end). Until then nothing changes.
 */
export function updateProviderAccount(deps: AccountDeps & Pick<Ports, 'providers'>) {
  const accounts = providerAccountsCollection(deps.db);
  return async (
    tenantId: string,
    id: string,
    input: { credentials?: Record<string, string>; label?: string | null; isDefault?: boolean },
    audit: AuditContext,
  ): Promise<ProviderAccountRecord> => {
    const current = await accounts.require(tenantId, id);
    const { provider } = current;
    const now = deps.now().toISOString();
    let rotated: { credentials: Record<string, string>; version: string; key: string } | undefined;
    let claimedKey: string | undefined;
    // A rotation that does not complete leaves nothing behind: its secret version disabled (the
    // previous one is read again), the key it took for the account given back.
    const undoRotation = async () => {
      if (rotated) {
        const { version } = rotated;
        await deps.secrets.disableVersion?.(current.secretName, version).catch((e) =>
          deps.log.error('a credentials version of a rotation that did not complete could not be disabled; disable it by hand', { secretName: current.secretName, version, err: e }),
        );
      }
      if (claimedKey) await releaseOwner(deps.db, claimedKey, tenantId, id).catch((e) => deps.log.error('could not give back the account key of a rotation that did not complete', { accountId: id, err: e }));
    };
    if (input.credentials) {
      let stored: Record<string, string> = {};
      try {
        stored = JSON.parse(await deps.secrets.access(current.secretName)) as Record<string, string>;
      } catch (err) {
        deps.log.warn('the account’s current credentials could not be read; the new ones must be complete', { accountId: id, err });
      }
      const credentials = parseCredentials(provider, { ...stored, ...input.credentials });
      const key = accountKey(provider, credentials);
      const currentKey = current.accountKey ?? (Object.keys(stored).length ? accountKey(provider, stored) : undefined);
      if (!identityIsSecret(provider) && currentKey && key !== currentKey) {
        throw new AppError('VALIDATION_ERROR', `These credentials are for another ${provider} account; add it as a new account (POST /v1/provider-accounts) instead`, {
          issues: [{ path: 'body.credentials', message: 'not the same account' }],
        });
      }
      if (key !== currentKey) {
        const other = await inAccountsTx(deps.db, (t) => t.liveAccountFor(tenantId, key), { readOnly: true });
        if (other.liveId && other.liveId !== id) throw duplicate(provider, other.liveId);
      }
      await verifyWithProvider(deps, provider, credentials, `${provider} rejected the new credentials; the account keeps its current ones`);
      if (key !== currentKey) {
        // The new key is taken for this account before a version of the secret carries it: of a
        // rotation and another tenant's add of the same account at once, exactly one gets it.
        if ((await keyHeldElsewhere(deps.db, tenantId, key)) || (await isPlatformKey(deps, provider, key))) throw registeredElsewhere(provider);
        const claim = await claimOwner(deps.db, key, { provider, tenantId, accountId: id, createdAt: now });
        if (claim === 'other') throw registeredElsewhere(provider);
        if (claim === 'claimed') claimedKey = key;
      }
      const version = await deps.secrets.put(current.secretName, JSON.stringify(credentials), { tenant: tenantId, provider }).catch(async (err: unknown) => {
        await undoRotation();
        throw err;
      });
      rotated = { credentials, version, key };
      try {
        // The new version works: read back from the store and used with the provider, as every call will.
        const client = await deps.providers.forAccount(tenantId, provider as NumberProviderName, id);
        await client.verifyCredentials();
      } catch (err) {
        await undoRotation();
        deps.log.error('new credentials were verified but did not work once stored; the previous version stays in use', { accountId: id, err });
        throw new AppError('SERVICE_UNAVAILABLE', 'The new credentials could not be put in use; the account keeps its current ones. Try again shortly', { retryable: true }, 5);
      }
    }
    const updated = await accounts.update(tenantId, id, audit, rotated ? 'provider_accounts.rotate' : 'provider_accounts.update', async (latest, tx, fs) => {
      const t = accountsTx(tx, fs);
      const defaults = input.isDefault === true ? await t.defaultAccountIds(tenantId, provider) : [];
      const newKey = rotated && rotated.key !== latest.accountKey ? rotated.key : undefined;
      const taken = newKey ? await t.readKey(tenantId, newKey) : undefined;
      if (taken && !taken.removedAt && taken.accountId !== id) throw duplicate(provider, taken.accountId);
      if (newKey && (await t.ownerFor(newKey, tenantId)) === 'other') throw registeredElsewhere(provider);
      const oldOwner = newKey && latest.accountKey ? await t.readOwner(latest.accountKey) : undefined;
      const next: ProviderAccountRecord = { ...latest, updatedAt: now };
      if (input.label === null) delete next.label;
      else if (input.label !== undefined) next.label = input.label;
      if (input.isDefault !== undefined) next.isDefault = input.isDefault;
      for (const other of defaults) if (other !== id) t.unsetDefault(tenantId, other, now);
      if (rotated) {
        Object.assign(next, {
          credentialsPreview: maskCredentials(provider, rotated.credentials),
          secretVersion: rotated.version,
          accountKey: rotated.key,
          verifiedAt: now,
          credentialsRotatedAt: now,
        });
        if (newKey) {
          // A Telnyx key names no account: the new key stands for it from now on.
          if (latest.accountKey) {
            t.deleteKey(tenantId, latest.accountKey);
            t.dropOwner(latest.accountKey, oldOwner, tenantId, id);
          }
          t.setKey(tenantId, newKey, { provider, accountId: id, createdAt: now } satisfies AccountKeyDoc);
          t.setOwner(newKey, { provider, tenantId, accountId: id, createdAt: now });
        }
      }
      return next;
    }).catch(async (err: unknown) => {
      // Refused in the transaction (another tenant took the account meanwhile, …): nothing stays changed.
      await undoRotation();
      throw err;
    });
    if (rotated) {
      // Only now, with the new version in use, do the older ones stop working.
      const disabled = await deps.secrets.disableVersionsBefore?.(current.secretName, rotated.version).catch((err) => {
        deps.log.error('credentials rotated but the old versions could not be disabled; disable them by hand', { secretName: current.secretName, err });
        return 0;
      });
      deps.log.info('provider account credentials rotated', { accountId: id, provider, disabledVersions: disabled ?? 0 });
    }
    return updated;
  };
}

export function removeProviderAccount(deps: AccountDeps) {
  const accounts = providerAccountsCollection(deps.db);
  return async (tenantId: string, id: string, force: boolean, audit: AuditContext): Promise<ProviderAccountRecord & { detachedNumbers?: number }> => {
    // Numbers bought on the account are never orphaned: they keep its id, shown detached, until the
    // same account is added again (which gets this id back) or they are released from our records.
    const held = force ? await heldNumberCount(deps.db, tenantId, id) : 0;
    // An account added before accounts had keys gets its key from its secret, while the secret exists.
    const before = await accounts.get(tenantId, id);
    const legacyKey =
      before && !before.accountKey
        ? await deps.secrets.access(before.secretName).then(
            (raw) => accountKey(before.provider, JSON.parse(raw) as Record<string, string>),
            () => undefined,
          )
        : undefined;
    const removed = await accounts.delete(tenantId, id, audit, 'provider_accounts.delete', async (current, tx, fs) => {
      const t = accountsTx(tx, fs);
      const key = current.accountKey ?? legacyKey;
      const keyDoc = key ? await t.readKey(tenantId, key) : undefined;
      const owner = key ? await t.readOwner(key) : undefined;
      const stillHeld = force ? await t.firstHeldNumber(tenantId, current.id) : undefined;
      if (!force) {
        const inUse = await t.firstHeldNumber(tenantId, current.id);
        if (inUse) {
          throw conflict(
            `Numbers still use this ${current.provider} account; release them first, or delete with ?force=true (they stay held at ${current.provider} and are shown detached until the same account is added again)`,
            { numberId: inUse },
          );
        }
        // A purchase job fixed its account when it was created: its remaining items would all fail.
        const busy = await t.firstBusyJob(tenantId, current.id);
        if (busy) {
          throw conflict(`A bulk job still buys through this ${current.provider} account; let it finish or cancel it first, or delete with ?force=true`, {
            jobId: busy,
          });
        }
      }
      // The key stays as a tombstone: the same account added again gets this id (and its numbers) back.
      if (key && (!keyDoc || keyDoc.accountId === current.id)) {
        t.setKey(tenantId, key, { provider: current.provider, accountId: current.id, createdAt: keyDoc?.createdAt ?? current.createdAt, removedAt: deps.now().toISOString() } satisfies AccountKeyDoc);
      }
      // The platform-wide entry goes, and another tenant may add the account, once no number of this
      // tenant is held on it: a force-removal leaves them detached, for this tenant to add it again.
      if (key && !stillHeld) t.dropOwner(key, owner, tenantId, current.id);
    });
    // The reference is gone first, so nothing can use the secret any more; then the secret.
    await deps.secrets.delete(removed.secretName).catch((err) =>
      deps.log.error('provider account removed but its secret could not be deleted; delete it by hand', { secretName: removed.secretName, err }),
    );
    if (held) deps.log.warn('provider account removed with numbers still held on it: they are detached', { accountId: id, provider: removed.provider, detachedNumbers: held });
    return force ? { ...removed, detachedNumbers: held } : removed;
  };
}

export function toAccountResource(record: ProviderAccountRecord & { reattachedNumbers?: number; detachedNumbers?: number }) {
  return {
    id: record.id,
    provider: record.provider,
    ...(record.label ? { label: record.label } : {}),
    credentials: record.credentialsPreview,
    isDefault: record.isDefault,
    verifiedAt: record.verifiedAt,
    ...(record.credentialsRotatedAt ? { credentialsRotatedAt: record.credentialsRotatedAt } : {}),
    ...(record.reattachedNumbers !== undefined ? { reattachedNumbers: record.reattachedNumbers } : {}),
    ...(record.detachedNumbers !== undefined ? { detachedNumbers: record.detachedNumbers } : {}),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
