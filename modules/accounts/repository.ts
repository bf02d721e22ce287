import type { Firestore, Transaction } from '@google-cloud/firestore';
import { z } from 'zod';
import { recordAudit, type AuditContext } from '../../shared/domain/audit.js';
import { holdingStatuses } from '../../shared/domain/number.js';
import { accountProviders, type AccountProvider } from '../../shared/providers/credentials.js';
import { paths } from '../../shared/store/firestore.js';
import { forgetTenantDoc, readTenantDoc } from '../../shared/store/tenant-doc.js';
import { createTenantCollection, readEachStored, readStored, type TenantDoc } from '../../shared/store/tenant-collection.js';

/**
 * The accounts module's repository: the only code of the module touching Firestore — the tenants'
 * provider accounts (`tenants/{t}/providerAccounts`), their account keys (`…/providerAccountKeys`), the
 * platform-wide index of which tenant added an account (`providerAccountOwners/{key}`) and the
 * settings on the tenant's document (`tenants/{t}`); and, for the removal guards, counts of the
 * numbers and jobs on an account (those collections are the numbers and jobs modules', which build on
 * this one: they are queried here, never written).
 */

/** What Firestore keeps of a tenant's own provider account: a reference and a masked preview, never the secret. */
export interface ProviderAccountRecord extends TenantDoc {
  provider: AccountProvider;
  label?: string;
  /** Secret Manager id holding the credentials. */
  secretName: string;
  credentialsPreview: Record<string, string>;
  isDefault: boolean;
  verifiedAt: string;
  createdBy: string;
  /** Which provider account the credentials are for (accountKey()): the same account is added once. */
  accountKey?: string;
  /** The Secret Manager version the credentials are read from (put()'s answer). */
  secretVersion?: string;
  /** When PATCH last replaced the credentials. */
  credentialsRotatedAt?: string;
}

/**
 * One document per provider account a tenant has added, by accountKey: tenants/{t}/providerAccountKeys/{key}.
 * It makes "the same account is added once" a transactional check, and outlives the account's removal
 * (`removedAt`): adding the same account again gets the same id back, so the numbers bought on it —
 * which name that id — are attached again.
 */
export interface AccountKeyDoc {
  provider: AccountProvider;
  accountId: string;
  createdAt: string;
  removedAt?: string;
}

/**
 * Platform-wide, one document per provider account any tenant has added, by accountKey (a hash: no
 * secret, no identifier in clear): providerAccountOwners/{key}. Written in the transaction that adds
 * the account, deleted in the one that removes it: a provider account is added by one tenant at most.
 */
export interface AccountOwnerDoc {
  provider: AccountProvider;
  tenantId: string;
  accountId: string;
  createdAt: string;
}

const accountOwnerPath = (key: string) => `providerAccountOwners/${key}`;
const accountKeyPath = (tenantId: string, key: string) => `${paths.tenant(tenantId)}/providerAccountKeys/${key}`;
const accountsPath = (tenantId: string) => `${paths.tenant(tenantId)}/providerAccounts`;

/** A stored provider account, as it is read (never taken as it is): known fields checked, unknown ones kept. */
const StoredProviderAccount: z.ZodType<ProviderAccountRecord> = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  provider: z.enum(accountProviders),
  label: z.string().optional(),
  secretName: z.string(),
  credentialsPreview: z.record(z.string(), z.string()),
  isDefault: z.boolean(),
  verifiedAt: z.string(),
  createdBy: z.string(),
  accountKey: z.string().optional(),
  secretVersion: z.string().optional(),
  credentialsRotatedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const parseProviderAccount = (data: unknown): ProviderAccountRecord => StoredProviderAccount.parse(data);
const readAccount = (data: unknown, id: string) => readStored(parseProviderAccount, data, { collection: 'providerAccounts', id });

const StoredAccountKey: z.ZodType<AccountKeyDoc> = z.looseObject({
  provider: z.enum(accountProviders),
  accountId: z.string(),
  createdAt: z.string(),
  removedAt: z.string().optional(),
});
const StoredAccountOwner: z.ZodType<AccountOwnerDoc> = z.looseObject({
  provider: z.enum(accountProviders),
  tenantId: z.string().min(1),
  accountId: z.string(),
  createdAt: z.string(),
});
const readOwner = (data: unknown, key: string): AccountOwnerDoc | undefined =>
  data === undefined ? undefined : readStored((d) => StoredAccountOwner.parse(d), data, { collection: 'providerAccountOwners', id: key });

const readKey = (data: unknown, key: string): AccountKeyDoc | undefined =>
  data === undefined ? undefined : readStored((d) => StoredAccountKey.parse(d), data, { collection: 'providerAccountKeys', id: key });

export const providerAccountsCollection = (db: () => Promise<Firestore>) =>
  createTenantCollection<ProviderAccountRecord>(db, {
    collection: 'providerAccounts',
    idPrefix: 'acc',
    resource: 'provider-accounts',
    label: 'Provider account',
    parse: parseProviderAccount,
  });

/**
 * Every tenant's provider accounts (the reconciliation run's fan-out). One that does not match its
 * schema is logged (collection and id) and left out: the others are still returned.
 */
export async function everyProviderAccount(db: () => Promise<Firestore>): Promise<ProviderAccountRecord[]> {
  const snap = await (await db()).collectionGroup('providerAccounts').get();
  return readEachStored(snap.docs, (doc) => readAccount(doc.data(), doc.id));
}

/** A transaction of the provider accounts' workflows: reads first, then writes (Firestore's rule). */
export interface AccountsTx {
  /** The live account already added with this key, if any (and the key's document, tombstone included). */
  liveAccountFor(tenantId: string, key: string): Promise<{ keyDoc?: AccountKeyDoc; liveId?: string }>;
  readKey(tenantId: string, key: string): Promise<AccountKeyDoc | undefined>;
  /** The ids of the tenant's default accounts of a provider. */
  defaultAccountIds(tenantId: string, provider: AccountProvider): Promise<string[]>;
  /** The first number the tenant holds through the account, if any. */
  firstHeldNumber(tenantId: string, accountId: string): Promise<string | undefined>;
  /** The first queued or running bulk job buying through the account, if any. */
  firstBusyJob(tenantId: string, accountId: string): Promise<string | undefined>;
  setKey(tenantId: string, key: string, doc: AccountKeyDoc): void;
  deleteKey(tenantId: string, key: string): void;
  /** The tenant's account record, if it exists. */
  readAccount(tenantId: string, accountId: string): Promise<ProviderAccountRecord | undefined>;
  /** Which tenant has added the provider account with this key (the platform-wide index). */
  readOwner(key: string): Promise<AccountOwnerDoc | undefined>;
  setOwner(key: string, doc: AccountOwnerDoc): void;
  /**
   * Who holds the provider account with this key, for `tenantId` adding it: nobody in the index
   * (`none`), this tenant (`self`), another tenant (`other`), or another tenant that removed it and
   * holds no number on it any more (`stale`: the entry may be taken over).
   */
  ownerFor(key: string, tenantId: string): Promise<'none' | 'self' | 'other' | 'stale'>;
  /** The index entry goes when `owner` (read earlier in this transaction) names this tenant's account. */
  dropOwner(key: string, owner: AccountOwnerDoc | undefined, tenantId: string, accountId: string): void;
  /** Marks an account no longer its provider's default. */
  unsetDefault(tenantId: string, accountId: string, updatedAt: string): void;
}

/** The AccountsTx of a transaction of createTenantCollection's hooks. */
export function accountsTx(tx: Transaction, firestore: Firestore): AccountsTx {
  const ops: AccountsTx = {
    async liveAccountFor(tenantId, key) {
      const keyDoc = await ops.readKey(tenantId, key);
      if (!keyDoc) return {};
      const live = !keyDoc.removedAt && (await tx.get(firestore.doc(`${accountsPath(tenantId)}/${keyDoc.accountId}`))).exists;
      return { keyDoc, ...(live ? { liveId: keyDoc.accountId } : {}) };
    },
    async readKey(tenantId, key) {
      return readKey((await tx.get(firestore.doc(accountKeyPath(tenantId, key)))).data(), key);
    },
    async defaultAccountIds(tenantId, provider) {
      const snap = await tx.get(firestore.collection(`tenants/${tenantId}/providerAccounts`).where('provider', '==', provider).where('isDefault', '==', true));
      return snap.docs.map((doc) => doc.id);
    },
    async firstHeldNumber(tenantId, accountId) {
      const snap = await tx.get(firestore.collection(paths.numbers(tenantId)).where('accountId', '==', accountId).where('status', 'in', [...holdingStatuses]).limit(1));
      return snap.docs[0]?.id;
    },
    async firstBusyJob(tenantId, accountId) {
      const snap = await tx.get(firestore.collection(`${paths.tenant(tenantId)}/jobs`).where('accountId', '==', accountId).where('status', 'in', ['queued', 'running']).limit(1));
      return snap.docs[0]?.id;
    },
    setKey: (tenantId, key, doc) => void tx.set(firestore.doc(accountKeyPath(tenantId, key)), doc),
    deleteKey: (tenantId, key) => void tx.delete(firestore.doc(accountKeyPath(tenantId, key))),
    async readAccount(tenantId, accountId) {
      const snap = await tx.get(firestore.doc(`${accountsPath(tenantId)}/${accountId}`));
      return snap.exists ? readAccount(snap.data(), snap.id) : undefined;
    },
    async readOwner(key) {
      return readOwner((await tx.get(firestore.doc(accountOwnerPath(key)))).data(), key);
    },
    async ownerFor(key, tenantId) {
      const owner = await ops.readOwner(key);
      if (!owner) return 'none';
      if (owner.tenantId === tenantId) return 'self';
      // The account still exists (its key recorded or not yet: a rotation claims the key first), or it
      // was force-removed while that tenant's numbers stay held (detached) on it.
      if (await ops.readAccount(owner.tenantId, owner.accountId)) return 'other';
      return (await ops.firstHeldNumber(owner.tenantId, owner.accountId)) ? 'other' : 'stale';
    },
    setOwner: (key, doc) => void tx.set(firestore.doc(accountOwnerPath(key)), doc),
    dropOwner(key, owner, tenantId, accountId) {
      if (owner?.tenantId === tenantId && owner.accountId === accountId) tx.delete(firestore.doc(accountOwnerPath(key)));
    },
    unsetDefault: (tenantId, accountId, updatedAt) => void tx.update(firestore.doc(`${accountsPath(tenantId)}/${accountId}`), { isDefault: false, updatedAt }),
  };
  return ops;
}

/** Runs `work` in a transaction of its own. */
export async function inAccountsTx<T>(db: () => Promise<Firestore>, work: (t: AccountsTx) => Promise<T>, options?: { readOnly: true }): Promise<T> {
  const firestore = await db();
  // A read-only one (its reads in one snapshot, nothing written) sends no commit.
  return firestore.runTransaction((tx) => work(accountsTx(tx, firestore)), options);
}

/**
 * Takes the platform-wide entry for `key` for the tenant's account before anything is stored under it
 * (a rotation onto a new key): `claimed` when this call wrote it, `self` when the tenant had it already,
 * `other` when another tenant holds the account (nothing written).
 */
export async function claimOwner(db: () => Promise<Firestore>, key: string, doc: AccountOwnerDoc): Promise<'claimed' | 'self' | 'other'> {
  return inAccountsTx(db, async (t) => {
    const state = await t.ownerFor(key, doc.tenantId);
    if (state === 'other' || state === 'self') return state;
    t.setOwner(key, doc);
    return 'claimed';
  });
}

/**
 * Gives back an entry claimOwner wrote, if it still names this tenant's account and the account has
 * not moved onto the key meanwhile (another rotation onto the same key completed).
 */
export async function releaseOwner(db: () => Promise<Firestore>, key: string, tenantId: string, accountId: string): Promise<void> {
  await inAccountsTx(db, async (t) => {
    const owner = await t.readOwner(key);
    const account = await t.readAccount(tenantId, accountId);
    if (account?.accountKey === key) return;
    t.dropOwner(key, owner, tenantId, accountId);
  });
}

/** The tenant's accounts of a provider (all of them: no page). */
export async function accountsOfProvider(db: () => Promise<Firestore>, tenantId: string, provider: AccountProvider): Promise<ProviderAccountRecord[]> {
  const snap = await (await db()).collection(accountsPath(tenantId)).where('provider', '==', provider).get();
  return snap.docs.map((doc) => readAccount(doc.data(), doc.id));
}

/**
 * Records the key of an account added before accounts had keys: its key document (unless a live one
 * exists), its field, and its platform-wide owner entry (unless a tenant has one already).
 */
export async function recordLegacyKey(db: () => Promise<Firestore>, account: ProviderAccountRecord, key: string): Promise<void> {
  const firestore = await db();
  await firestore.runTransaction(async (tx) => {
    const keyRef = firestore.doc(accountKeyPath(account.tenantId, key));
    const ownerRef = firestore.doc(accountOwnerPath(key));
    const existing = readKey((await tx.get(keyRef)).data(), key);
    const owner = readOwner((await tx.get(ownerRef)).data(), key);
    if (!existing || existing.removedAt) tx.set(keyRef, { provider: account.provider, accountId: account.id, createdAt: account.createdAt } satisfies AccountKeyDoc);
    if (!owner) tx.set(ownerRef, { provider: account.provider, tenantId: account.tenantId, accountId: account.id, createdAt: account.createdAt } satisfies AccountOwnerDoc);
    tx.update(firestore.doc(`${accountsPath(account.tenantId)}/${account.id}`), { accountKey: key });
  });
}

/**
 * Whether another tenant has a live account with this key that predates the owner index (no entry
 * for it): the index's check for data older than the index.
 */
export async function keyHeldElsewhere(db: () => Promise<Firestore>, tenantId: string, key: string): Promise<boolean> {
  const snap = await (await db()).collectionGroup('providerAccounts').where('accountKey', '==', key).get();
  return snap.docs.some((doc) => readAccount(doc.data(), doc.id).tenantId !== tenantId);
}

/** The key document of an account key, tombstone included (a read outside any transaction). */
export async function readAccountKey(db: () => Promise<Firestore>, tenantId: string, key: string): Promise<AccountKeyDoc | undefined> {
  return readKey((await (await db()).doc(accountKeyPath(tenantId, key)).get()).data(), key);
}

/** How many numbers the tenant holds through an account. */
export async function heldNumberCount(db: () => Promise<Firestore>, tenantId: string, accountId: string): Promise<number> {
  const count = await (await db()).collection(paths.numbers(tenantId)).where('accountId', '==', accountId).where('status', 'in', [...holdingStatuses]).count().get();
  return count.data().count;
}

// ---- the tenant's document: its settings ----

/** The settings fields of tenants/{id}, as stored (the workflow checks them). */
export interface TenantSettingFields {
  accountPolicy: unknown;
  tollfreeCarriers: unknown;
}

const settingFields = (snap: { get(field: string): unknown }): TenantSettingFields => ({
  accountPolicy: snap.get('accountPolicy'),
  tollfreeCarriers: snap.get('tollfreeCarriers'),
});

/** Outside a transaction, in the request's one read of the tenant's document (shared/store/tenant-doc.ts). */
export async function readTenantSettings(db: () => Promise<Firestore>, tenantId: string): Promise<TenantSettingFields> {
  return settingFields(await readTenantDoc(await db(), tenantId));
}

/**
 * Changes settings on tenants/{id} in a transaction, audited: `plan` sees the stored fields and says
 * what to write (null: the field is removed; nothing: no write) with the audit's before and after.
 */
export async function updateTenantSettingFields<T>(
  db: () => Promise<Firestore>,
  tenantId: string,
  audit: AuditContext,
  plan: (current: TenantSettingFields) => { write: Record<string, unknown>; at: string; before: object; after: object; result: T },
): Promise<T> {
  const firestore = await db();
  const ref = firestore.doc(paths.tenant(tenantId));
  try {
    return await firestore.runTransaction(async (tx) => {
      const planned = plan(settingFields(await tx.get(ref)));
      const { FieldValue } = await import('@google-cloud/firestore');
      const write = Object.fromEntries(Object.entries(planned.write).map(([field, value]) => [field, value === null ? FieldValue.delete() : value]));
      if (Object.keys(write).length) tx.set(ref, { ...write, settingsUpdatedAt: planned.at }, { merge: true });
      recordAudit(firestore, tx, tenantId, audit, { action: 'tenant.settings_update', resource: 'tenant/settings', before: planned.before, after: planned.after });
      return planned.result;
    });
  } finally {
    // A later read in this request sees what was written.
    forgetTenantDoc(tenantId);
  }
}
