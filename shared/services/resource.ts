/** The API view of a tenant document: the tenant id is implied by the caller and never echoed. */
export function toPublic<T extends { tenantId: string }>(record: T): Omit<T, 'tenantId'> {
  const { tenantId: _tenant, ...rest } = record;
  return rest;
}
