import type { OperationFactory } from '../../shared/api/endpoint.js';
import { buildOpenApi } from '../../shared/api/openapi.js';
import { endpoints } from '../endpoints.js';

let document: Record<string, unknown> | undefined;
const operation: OperationFactory<{}, {}, undefined, Record<string, unknown>> = () => async () => {
  document ??= buildOpenApi(endpoints);
  return { body: document };
};
export default operation;
