import type { UnauthenticatedOperationFactory } from '../../../shared/api/endpoint.js';
import { openApiDocument } from './openapi-document.js';

let document: Promise<Record<string, unknown>> | undefined;
const operation: UnauthenticatedOperationFactory<Record<string, never>, Record<string, never>, undefined, Record<string, unknown>> = () => async () => {
  document ??= openApiDocument().catch((err: unknown) => {
    document = undefined;
    throw err;
  });
  return { body: await document };
};
export default operation;
