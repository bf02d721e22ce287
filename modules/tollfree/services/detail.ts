import type { SomosNumberInfo } from '../../../shared/providers/somos/client.js';
import type { RegistryRouting } from '../../../shared/providers/somos/routing.js';
import { ProviderError } from '../../../shared/providers/types.js';
import { callContext } from './platform.js';
import { requireNumber, toView, type NumberDeps } from './number-records.js';

/** GET /v1/tollfree/{number}: our record plus what the registry says now. Split from numbers.ts, which re-exports it. */
export interface RegistryView {
  status?: string;
  respOrgId?: string;
  reservedUntil?: string;
  effectiveDate?: string;
  lastActivated?: string;
  /** The registry answered 202: ask again shortly. */
  pending?: boolean;
  error?: string;
}

const registryView = (info: SomosNumberInfo): RegistryView => ({
  status: info.status,
  ...(info.respOrgId ? { respOrgId: info.respOrgId } : {}),
  ...(info.resUntilDt ? { reservedUntil: info.resUntilDt } : {}),
  ...(info.effDt ? { effectiveDate: info.effDt } : {}),
  ...(info.lastActDt ? { lastActivated: info.lastActDt } : {}),
});

const lookupError = (err: unknown): string => {
  if (err instanceof ProviderError) return `${err.message}`.slice(0, 300);
  throw err;
};

export function numberDetail(deps: NumberDeps) {
  return async (tenantId: string, num: string) => {
    const record = await requireNumber(deps, tenantId, num);
    const { registry } = await deps.somos();
    const ctx = callContext(record);
    const registryPart: RegistryView = await registry.query(ctx, num).then(
      (r) => (r.pending ? { pending: true } : registryView(r.data)),
      (err: unknown) => ({ error: lookupError(err) }),
    );
    let registryRouting: (RegistryRouting & { customerRecordStatus?: string }) | { pending: true } | { error: string } | undefined;
    if (record.status === 'active') {
      registryRouting = await registry
        .retrieveCustomerRecord(ctx, num, deps.config.SOMOS_SIP_GATEWAY_NUMBER ? { sipGatewayNumber: deps.config.SOMOS_SIP_GATEWAY_NUMBER } : {})
        .then(
          (r) => (r.pending ? { pending: true as const } : { ...r.data.routing, ...(r.data.status ? { customerRecordStatus: r.data.status } : {}) }),
          (err: unknown) => ({ error: lookupError(err) }),
        );
    }
    return { ...toView(record), registry: registryPart, ...(registryRouting ? { registryRouting } : {}) };
  };
}
