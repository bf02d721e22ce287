import type { Firestore, Query, Transaction } from '@google-cloud/firestore';
import { randomBytes } from 'node:crypto';
import { recordAudit, type AuditContext } from '../domain/audit.js';
import { AppError, notFound } from '../http/errors.js';
import { logger } from '../log.js';
import { readPage, type Page } from './page.js';

export interface TenantDoc {
  id: string;
  tenantId: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * A stored document read through its schema (`parse`, e.g. a zod schema's parse). One that does not
 * match is a server-side data error: logged with its collection and id only (never its content) and
 * answered as a plain 500 INTERNAL, whatever the parse threw.
 */
export function readStored<T>(parse: (data: unknown) => T, data: unknown, where: { collection: string; id: string }): T {
  try {
    return parse(data);
  } catch (err) {
    if (err instanceof AppError) throw err;
    logger.error('stored document does not match its schema', { collection: where.collection, id: where.id });
    throw new AppError('INTERNAL', 'Internal error; quote the requestId when reporting this');
  }
}

/**
 * The records of a scan over many documents (often every tenant's), each read with `read` (through
 * readStored); one that does not match its schema — logged there by collection and id — is left out,
 * so it cannot stop the scan for the others.
 */
export function readEachStored<D, T>(docs: readonly D[], read: (doc: D) => T): T[] {
  return docs.flatMap((doc) => {
    try {
      return [read(doc)];
    } catch (err) {
      if (err instanceof AppError && err.code === 'INTERNAL') return []; // logged by readStored
      throw err;
    }
  });
}

/**
 * A tenant-owned collection (tenants/{tenantId}/<name>) with audited writes and
 * newest-first cursor pagination. The tenant is part of every path: a document of
 * another tenant is simply not found.
 */
export function createTenantCollection<T extends TenantDoc>(
  db: () => Promise<Firestore>,
  options: {
    collection: string;
    idPrefix: string;
    resource: string;
    label: string;
    /** Reads a stored document (a zod schema's parse of the stored record): every read is checked. */
    parse: (data: unknown) => T;
  },
) {
  const read = (data: unknown, id: string): T => readStored(options.parse, data, { collection: options.collection, id });
  const path = (tenantId: string, id?: string) => `tenants/${tenantId}/${options.collection}${id ? `/${id}` : ''}`;
  const resourceOf = (id: string) => `${options.resource}/${id}`;
  const collection = {
    newId: () => `${options.idPrefix}_${randomBytes(8).toString('hex')}`,

    async get(tenantId: string, id: string): Promise<T | undefined> {
      const snap = await (await db()).doc(path(tenantId, id)).get();
      return snap.exists ? read(snap.data(), id) : undefined;
    },

    /** A read inside the caller's transaction (it runs again if the document changes before it commits). */
    async getIn(tx: Transaction, tenantId: string, id: string): Promise<T | undefined> {
      const snap = await tx.get((await db()).doc(path(tenantId, id)));
      return snap.exists ? read(snap.data(), id) : undefined;
    },

    async require(tenantId: string, id: string): Promise<T> {
      const doc = await collection.get(tenantId, id);
      if (!doc) throw notFound(options.label);
      return doc;
    },

    async list(
      tenantId: string,
      limit: number,
      cursor?: string,
      where: [string, FirebaseFirestore.WhereFilterOp, unknown][] = [],
      options: { total?: boolean } = {},
    ): Promise<Page<T>> {
      const firestore = await db();
      let query: Query = firestore.collection(path(tenantId));
      for (const [field, op, value] of where) query = query.where(field, op, value);
      return readPage(query, limit, cursor, read, options.total !== false);
    },

    /** Creates the document; `extra` runs in the same transaction (reads first, then its writes). */
    async create(
      doc: T,
      audit: AuditContext,
      action: string,
      extra?: (tx: Transaction, firestore: Firestore) => Promise<void> | void,
    ): Promise<T> {
      const firestore = await db();
      await firestore.runTransaction(async (tx) => {
        await extra?.(tx, firestore);
        tx.create(firestore.doc(path(doc.tenantId, doc.id)), doc);
        recordAudit(firestore, tx, doc.tenantId, audit, { action, resource: resourceOf(doc.id), after: doc });
      });
      return doc;
    },

    async update(
      tenantId: string,
      id: string,
      audit: AuditContext,
      action: string,
      mutate: (current: T, tx: Transaction, firestore: Firestore) => Promise<T> | T,
    ): Promise<T> {
      const firestore = await db();
      return firestore.runTransaction(async (tx) => {
        const snap = await tx.get(firestore.doc(path(tenantId, id)));
        if (!snap.exists) throw notFound(options.label);
        const current = read(snap.data(), id);
        const next = await mutate(current, tx, firestore);
        tx.set(firestore.doc(path(tenantId, id)), next);
        recordAudit(firestore, tx, tenantId, audit, { action, resource: resourceOf(id), before: current, after: next });
        return next;
      });
    },

    async delete(
      tenantId: string,
      id: string,
      audit: AuditContext,
      action: string,
      check?: (current: T, tx: Transaction, firestore: Firestore) => Promise<void> | void,
    ): Promise<T> {
      const firestore = await db();
      return firestore.runTransaction(async (tx) => {
        const snap = await tx.get(firestore.doc(path(tenantId, id)));
        if (!snap.exists) throw notFound(options.label);
        const current = read(snap.data(), id);
        await check?.(current, tx, firestore);
        tx.delete(firestore.doc(path(tenantId, id)));
        recordAudit(firestore, tx, tenantId, audit, { action, resource: resourceOf(id), before: current });
        return current;
      });
    },
  };
  return collection;
}
