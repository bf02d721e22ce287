/**
 * Customer record versions in the Somos sandbox. A number's customer record is a set of versions,
 * one per effective date-time (C: `effDtTm` on create, `lstEffDtTms[]` on retrieve, `GET
 * /cus/rec/query/{num}?effDtTm=` and `DELETE /cus/rec/tfnum/{num}/effDtTm/{effDtTm}/recVersionId/{id}`
 * C1). What is G here (the sandbox's choices, the real registry's behaviour is assumed):
 * - POST /cus/rec with a future effDtTm on a number that already has a record adds a PENDING
 *   version next to the current one (the current routing keeps working until then);
 * - a PUT (update) changes the version whose recVersionId it names; the current (ACTIVE) version
 *   cannot be moved to a future date;
 * - each lstEffDtTms entry carries its own recVersionId;
 * - the DELETE removes a PENDING version only (an ACTIVE one cannot be deleted: 409);
 * - when its time comes, a PENDING version becomes the current one (the old current one is dropped).
 */

export interface VersionedRecord {
  body: Record<string, unknown>;
  recVersionId: string;
  effDtTm: string;
  effAt: number;
  custRecStat: 'ACTIVE' | 'PENDING' | 'SAVED';
  ctrlRespOrgId: string;
}

export interface VersionHost {
  now(): number;
  nextVersion(): string;
  /** The current version per number. */
  crs: Record<string, VersionedRecord>;
  /** Future (PENDING) versions per number, soonest first. */
  futureCrs: Record<string, VersionedRecord[]>;
  fail(status: number, code: string, message: string): never;
}

export const VERSION_ERRORS = { exists: '810001', notFound: '810404', version: '805200', active: '810005', notControlled: '805103' } as const;

const minuteIso = (t: number) => `${new Date(t).toISOString().slice(0, 16)}Z`;

/** Adds a PENDING version (a future-dated change) next to the number's current record. */
export function addFutureVersion(host: VersionHost, num: string, version: Omit<VersionedRecord, 'custRecStat' | 'recVersionId'>): VersionedRecord {
  const list = host.futureCrs[num] ?? [];
  if (list.some((v) => v.effAt === version.effAt)) {
    host.fail(409, VERSION_ERRORS.exists, `A customer record version for ${num} already takes effect at ${minuteIso(version.effAt)}.`);
  }
  const created: VersionedRecord = { ...version, recVersionId: host.nextVersion(), custRecStat: 'PENDING' };
  host.futureCrs[num] = [...list, created].sort((a, b) => a.effAt - b.effAt);
  return created;
}

/** The latest due PENDING version becomes current (earlier due ones are superseded). True when one did. */
export function promoteDue(host: VersionHost, num: string): VersionedRecord | undefined {
  const list = host.futureCrs[num];
  if (!list?.length) return undefined;
  const t = host.now();
  const due = list.filter((v) => v.effAt <= t);
  if (!due.length) return undefined;
  const latest = due[due.length - 1]!;
  host.crs[num] = { ...latest, custRecStat: 'ACTIVE' };
  const rest = list.filter((v) => v.effAt > t);
  if (rest.length) host.futureCrs[num] = rest;
  else delete host.futureCrs[num];
  return host.crs[num];
}

/** lstEffDtTms: the current version then the pending ones. */
export function versionEntries(host: VersionHost, num: string): Record<string, unknown>[] {
  const current = host.crs[num];
  const all = [...(current ? [current] : []), ...(host.futureCrs[num] ?? [])];
  return all.map((v) => ({
    effDtTm: minuteIso(v.effAt),
    custRecStat: v.custRecStat,
    recVersionId: v.recVersionId,
    custRecCompPart: v.body.cprSectName ? 'CAD, CPR' : 'CAD',
    apprStat: 'NOT REQUIRED',
  }));
}

/** The version taking effect at effDtTm (the current one or a pending one), or undefined. */
export function findVersion(host: VersionHost, num: string, effDtTm: string): VersionedRecord | undefined {
  const at = Date.parse(effDtTm);
  if (Number.isNaN(at)) return undefined;
  const current = host.crs[num];
  if (current && Math.floor(current.effAt / 60_000) === Math.floor(at / 60_000)) return current;
  return host.futureCrs[num]?.find((v) => Math.floor(v.effAt / 60_000) === Math.floor(at / 60_000));
}

/** DELETE /cus/rec/tfnum/{num}/effDtTm/{effDtTm}/recVersionId/{id}: a pending version goes. */
export function deleteVersion(host: VersionHost, num: string, effDtTm: string, recVersionId: string, roid: string): Record<string, unknown> {
  const version = findVersion(host, num, effDtTm);
  if (!version) host.fail(404, VERSION_ERRORS.notFound, `No customer record for ${num} at ${effDtTm}.`);
  if (version.ctrlRespOrgId !== roid) host.fail(403, VERSION_ERRORS.notControlled, `Number ${num} is not controlled by RespOrg ${roid}.`);
  if (version.recVersionId !== recVersionId) host.fail(409, VERSION_ERRORS.version, 'Record was modified by another user (recVersionId mismatch).');
  if (version.custRecStat !== 'PENDING') host.fail(409, VERSION_ERRORS.active, `The customer record of ${num} at ${effDtTm} is ${version.custRecStat}; only a pending version can be deleted.`);
  const rest = (host.futureCrs[num] ?? []).filter((v) => v !== version);
  if (rest.length) host.futureCrs[num] = rest;
  else delete host.futureCrs[num];
  return { num, effDtTm: minuteIso(version.effAt), recVersionId, custRecStat: 'DELETED' };
}
