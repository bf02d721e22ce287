/** Somos TFN Registry client: paths, the operations' request and result shapes, and the client's interface. */
import type { Logger } from '../../log.js';
import { type ProviderHttpOptions } from '../http.js';
import { type CustomerRecordOptions, type RegistryRouting, type Routing } from './routing.js';
import { SOMOS_HOSTS, type SomosTokenSource } from './token-manager.js';

export const SOMOS_DEFAULT_BASE_URL = SOMOS_HOSTS.production;
export const SOMOS_API_PREFIX = '/v3/ip'; // C

/** Registry paths used by this client (below the base URL). */
export const SOMOS_PATHS = {
  search: { random: '/v3/ip/num/tfn/random', wildcard: '/v3/ip/num/tfn/wildcard', specific: '/v3/ip/num/tfn/specific' },
  searchAndReserve: {
    random: '/v3/ip/num/tfn/srchres/random',
    wildcard: '/v3/ip/num/tfn/srchres/wildcard',
    specific: '/v3/ip/num/tfn/srchres/specific',
  },
  query: (num: string) => `/v3/ip/num/tfn/query/tfn/${num}`,
  update: '/v3/ip/num/tfn/update',
  customerRecord: '/v3/ip/cus/rec',
  /** C1 (public Somos regression suites). */
  customerRecordDisconnect: '/v3/ip/cus/rec/disconnect',
  customerRecordByNum: (num: string) => `/v3/ip/cus/rec/tfnum/${num}`,
  /** C1: one version (effective date-time) of a customer record. */
  customerRecordVersion: (num: string, effDtTm: string, recVersionId: string) =>
    `/v3/ip/cus/rec/tfnum/${num}/effDtTm/${encodeURIComponent(effDtTm)}/recVersionId/${encodeURIComponent(recVersionId)}`,
  respOrgEntity: (entityId: string) => `/v3/ip/org/resporg/ent/${entityId}`,
  respOrgChange: '/v3/ip/num/rch',
  /** G */
  respOrgChangeById: (id: string) => `/v3/ip/num/rch/${encodeURIComponent(id)}`,
} as const;

// ---------------------------------------------------------------------------------------------
// Types

export interface SomosCallContext {
  /** The tenant's RespOrg unit (5 characters), sent as the ROID header. */
  roid: string;
  signal?: AbortSignal;
}

export type SomosOperation =
  | 'search'
  | 'searchAndReserve'
  | 'query'
  | 'release'
  | 'createCustomerRecord'
  | 'retrieveCustomerRecord'
  | 'updateCustomerRecord'
  | 'disconnectCustomerRecord'
  | 'updateReservation'
  | 'deleteCustomerRecord'
  | 'cancelRespOrgChange'
  | 'respOrgEntity'
  | 'respOrgChange'
  | 'respOrgChangeStatus';

/** A 202: the registry is still working; fetch the result with retrieve(). */
export interface SomosPending {
  pending: true;
  reqId: string;
  /** The path that answered 202 (retrieve GETs it with ?reqId=). */
  path: string;
  operation?: SomosOperation;
  /** C1: bulk requests also carry a blkId. */
  blkId?: string;
}
export type SomosResult<T> = { pending: false; data: T } | SomosPending;

export type SomosSearchRequest =
  | { kind: 'random'; qty: number; npa?: string; nxx?: string; line?: string; consecutive?: boolean }
  /** pattern: 10 characters, digits and '*' (e.g. 8**9**0023); '&' and letters are passed through. */
  | { kind: 'wildcard'; qty: number; pattern: string }
  | { kind: 'specific'; numbers: string[] };

export type SomosReserveRequest = SomosSearchRequest & {
  /** C: conName / conTel. */
  contactName: string;
  contactPhone: string;
  /** C: shrtNotes. */
  notes?: string;
};

export type SomosNumberStatus = 'SPARE' | 'RESERVED' | 'WORKING' | 'DISCONNECT' | 'TRANSITIONAL' | 'ASSIGNED' | 'UNAVAILABLE' | (string & {});

export interface SomosNumberInfo {
  /** 10 digits. */
  num: string;
  status: SomosNumberStatus;
  /** Controlling RespOrg unit (ctrlRespOrgId). */
  respOrgId?: string;
  effDt?: string;
  resUntilDt?: string;
  recVersionId?: string;
  lastActDt?: string;
  contactName?: string;
  contactPhone?: string;
}

export interface SomosReleaseResult {
  num: string;
  recVersionId?: string;
}

export interface SomosCustomerRecordWrite {
  num: string;
  effDtTm?: string;
  recVersionId?: string;
  status?: string;
}

export interface SomosCustomerRecordInfo {
  num: string;
  recVersionId?: string;
  respOrgId?: string;
  numStatus?: string;
  effDtTm?: string;
  /** custRecStat of the first lstEffDtTms entry (C1), e.g. ACTIVE / PENDING / SAVED. */
  status?: string;
  /** Every lstEffDtTms entry (C1): the versions by effective date-time (G: recVersionId per entry). */
  versions?: { effDtTm: string; status?: string; recVersionId?: string }[];
  routing: RegistryRouting;
  /** The record as the registry returned it. */
  record: Record<string, unknown>;
}

export interface SomosRespOrgUnit {
  respOrgId: string;
  status: string;
}
export interface SomosRespOrgEntity {
  entityId: string;
  units: SomosRespOrgUnit[];
}

/** G: RespOrg change states (multi-day process). */
export type SomosRespOrgChangeStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'COMPLETED' | 'CANCELLED' | (string & {});
export interface SomosRespOrgChange {
  id: string;
  num: string;
  status: SomosRespOrgChangeStatus;
  oldRespOrgId?: string;
  newRespOrgId?: string;
}

export interface SomosDisconnectInput {
  num: string;
  /** The customer record's current recVersionId (srcRecVersionId). */
  recVersionId: string;
  /** When the number stops working (tgtEffDtTm; NOW when absent). */
  effectiveAt?: Date;
  /** Callers hear the intercept (referral) recording until endInterceptAt. */
  referral: boolean;
  /** Required with referral: the last day of the intercept. */
  endInterceptAt?: Date;
  notes?: string;
}

export interface CustomerRecordInput extends Omit<CustomerRecordOptions, 'respOrgId'> {
  num: string;
  routing: Routing;
}

export interface SomosRegistryClient {
  /** Search without reserving (C: PUT). 10-digit numbers. */
  search(ctx: SomosCallContext, request: SomosSearchRequest): Promise<SomosResult<string[]>>;
  /** Search and reserve (C: POST srchres). The numbers actually reserved. */
  searchAndReserve(ctx: SomosCallContext, request: SomosReserveRequest): Promise<SomosResult<string[]>>;
  query(ctx: SomosCallContext, num: string): Promise<SomosResult<SomosNumberInfo>>;
  /** Reservation → SPARE. Without recVersionId the number is queried first. */
  releaseReservation(ctx: SomosCallContext, num: string, recVersionId?: string): Promise<SomosResult<SomosReleaseResult>>;
  createCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput): Promise<SomosResult<SomosCustomerRecordWrite>>;
  retrieveCustomerRecord(ctx: SomosCallContext, num: string, options?: { sipGatewayNumber?: string }): Promise<SomosResult<SomosCustomerRecordInfo>>;
  updateCustomerRecord(ctx: SomosCallContext, input: CustomerRecordInput & { recVersionId: string }): Promise<SomosResult<SomosCustomerRecordWrite>>;
  /** C1: deletes one (pending) version of a customer record. */
  deleteCustomerRecordVersion(ctx: SomosCallContext, version: { num: string; effDtTm: string; recVersionId: string }): Promise<SomosResult<SomosCustomerRecordWrite>>;
  /** C1: disconnect the number's customer record (referral Y/N, intercept end date); the number then ages back to spare. */
  disconnectCustomerRecord(ctx: SomosCallContext, input: SomosDisconnectInput): Promise<SomosResult<SomosCustomerRecordWrite>>;
  /** C: PUT /num/tfn/update with resUntilDt — shortens (or sets) a reservation's end date (G: the date format YYYY-MM-DD). */
  updateReservation(ctx: SomosCallContext, num: string, change: { recVersionId: string; reservedUntil: string }): Promise<SomosResult<SomosReleaseResult>>;
  /** All units of the entity with their status (filter with activeUnits()). */
  getRespOrgEntity(ctx: SomosCallContext, entityId: string): Promise<SomosResult<SomosRespOrgEntity>>;
  /** G (method/body/response): ask to move numbers to newRespOrgId (default: ctx.roid). */
  requestRespOrgChange(ctx: SomosCallContext, request: { numbers: string[]; newRespOrgId?: string }): Promise<SomosResult<SomosRespOrgChange[]>>;
  /** G: state of one RespOrg change request. */
  getRespOrgChange(ctx: SomosCallContext, id: string): Promise<SomosResult<SomosRespOrgChange>>;
  /** G (method): withdraws a RespOrg change that has not completed. */
  cancelRespOrgChange(ctx: SomosCallContext, id: string): Promise<SomosResult<SomosRespOrgChange>>;
  /** GET <path>?reqId=… after a 202. With `operation` the answer is parsed like the original call. */
  retrieve<T = unknown>(ctx: SomosCallContext, pending: Pick<SomosPending, 'path' | 'reqId'> & { operation?: SomosOperation }): Promise<SomosResult<T>>;
}

export interface SomosClientOptions {
  tokens: SomosTokenSource;
  /** Default https://api-tfnregistry.somos.com (C); a path prefix is kept. */
  baseUrl?: string;
  /** Default '3.11' (C: 3.2, 3.8, 3.11 seen). */
  acceptVersion?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** HTTP client overrides (tests: dispatcher, maxRetries, sleep). */
  http?: Partial<ProviderHttpOptions>;
}
