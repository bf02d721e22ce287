import type { z } from 'zod';
import type { OperationFactory } from '../../../shared/api/endpoint.js';
import type { CreateVapiCredentialBody, VapiCredentialResource } from '../../../shared/api/schemas.js';
import { userContext } from '../../../shared/domain/audit.js';
import { createVapiCredential, toCredentialResource } from '../services/import.js';

/** A Vapi credential on its own (the Add Phone Number screen's step 2): verified where its provider can, then created at Vapi. */
const operation: OperationFactory<Record<string, never>, Record<string, never>, z.infer<typeof CreateVapiCredentialBody>, z.infer<typeof VapiCredentialResource>> =
  (deps) =>
  async ({ body, caller, requestId, log }) => {
    const { label, ...fields } = body;
    const record = await createVapiCredential(deps)(
      { tenantId: caller.tenantId, uid: caller.uid, fields, ...(label ? { label } : {}), audit: userContext(caller, requestId), issuePath: 'body' },
      log,
    );
    return { body: toCredentialResource(record, []) };
  };
export default operation;
