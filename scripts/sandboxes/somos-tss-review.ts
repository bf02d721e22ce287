/**
 * The Somos sandbox's text-enablement (TSS) decisions beyond the manual control (somos.ts calls these).
 * G, all of it: TSS has no public API. Modelled on what a reviewer checks:
 * - Eligibility: TSS only text-enables a number its requesting RespOrg controls and that is reserved or
 *   in service. A pending request for a number that went spare, was disconnected or moved to another
 *   RespOrg is rejected when it is next looked at, with a reason.
 * - A manual rejection (POST /__sandbox/tss/{id} {status:'rejected', reason?}) carries a reason too.
 * - Disable (DELETE /tss/v1/text-enablements/{id}): withdraws a pending request or turns an enabled number
 *   off; repeating it answers the same; a rejected request has nothing to disable (409).
 */

export interface TssReason {
  code: string;
  message: string;
}

export const TSS_REASONS = {
  notControlled: 'NUMBER_NOT_CONTROLLED',
  notInService: 'NUMBER_NOT_IN_SERVICE',
  review: 'REJECTED_BY_REVIEW',
} as const;

const ELIGIBLE = new Set(['RESERVED', 'ASSIGNED', 'WORKING']);

/** Why a number cannot be text-enabled for `respOrgId` now; undefined when it can. */
export function ineligibility(number: { num: string; status: string; ctrlRespOrgId?: string }, respOrgId: string): TssReason | undefined {
  if (number.ctrlRespOrgId !== respOrgId) {
    return { code: TSS_REASONS.notControlled, message: `Number ${number.num} is not controlled by RespOrg ${respOrgId}; only the controlling RespOrg can text-enable it.` };
  }
  if (!ELIGIBLE.has(number.status)) {
    return { code: TSS_REASONS.notInService, message: `Number ${number.num} is ${number.status} at the TFN Registry; only a reserved or working number can be text-enabled.` };
  }
  return undefined;
}

export const defaultRejection = (num: string): TssReason => ({ code: TSS_REASONS.review, message: `Text enablement of ${num} was rejected on review.` });

/** A reason given to the control: {code, message} strings, else the default. */
export function reasonFrom(raw: unknown, num: string): TssReason {
  const r = raw as { code?: unknown; message?: unknown } | undefined;
  if (r && typeof r.code === 'string' && r.code && typeof r.message === 'string' && r.message) return { code: r.code.slice(0, 64), message: r.message.slice(0, 500) };
  return defaultRejection(num);
}
