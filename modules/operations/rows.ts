import {
  AuditPage,
  AuditQuery,
  FindingId,
  FindingResource,
  FindingsPage,
  FindingsQuery,
  ReconcileAccountResult,
  ReconcileAccountTask,
  ReconcileStartBody,
  ReconcileStartResult,
  SettlePurchaseResult,
  SettlePurchaseTask,
} from '../../shared/api/schemas.js';
import { defineEndpoint, type AnyEndpoint } from '../../shared/api/endpoint.js';

// Each row is exported on its own: a function's entry imports its row alone, and the build drops the
// others (a row is a pure call, marked so: esbuild does not see across files that defineEndpoint is).

// ---- audit ----
export const auditListRow = /* @__PURE__ */ defineEndpoint({
  name: 'auditList',
  method: 'GET',
  path: '/v1/audit',
  access: 'admin',
  needs: [],
  tag: 'audit',
  summary: 'The tenant’s audit trail, newest first (?resource=numbers/{id} or a resource type)',
  query: AuditQuery,
  response: AuditPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/audit-list.js'),
});

export const settlePurchaseTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskSettlePurchase',
  path: '/internal/tasks/settle-purchase',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'internal',
  summary: 'Settle a purchase left pending (Cloud Tasks follow-up)',
  description:
    'Delivered by the followups queue after a purchase’s lease ends: a number still pending is looked up at the provider and becomes active (bought) or error (not bought). Non-2xx answers make Cloud Tasks retry.',
  body: SettlePurchaseTask,
  bodyRequired: true,
  response: SettlePurchaseResult,
  successStatus: 200,
  errors: ['PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  // Its tasks come from `followups` and, handed off, from every provider queue.
  runtime: { memory: '256Mi', timeoutSeconds: 60, maxInstances: 250 },
  operation: () => import('./operations/settle-purchase.js'),
});

export const reconciliationFindingsRow = /* @__PURE__ */ defineEndpoint({
  name: 'reconciliationFindings',
  method: 'GET',
  path: '/v1/reconciliation/findings',
  access: 'admin',
  needs: [],
  tag: 'reconciliation',
  summary: 'Inventory drift found by reconciliation (numbers gone at the provider, owned there but unknown here; toll-free: registry status or RespOrg not ours)',
  query: FindingsQuery,
  response: FindingsPage,
  successStatus: 200,
  errors: [],
  operation: () => import('./operations/reconciliation/findings.js'),
});

export const reconciliationFindingRepairRow = /* @__PURE__ */ defineEndpoint({
  name: 'reconciliationFindingRepair',
  method: 'POST',
  path: '/v1/reconciliation/findings/{id}/repair',
  access: 'admin',
  needs: ['somos'],
  tag: 'reconciliation',
  summary: 'Repair a toll-free finding: the registry is read again and the number’s record follows it (released, expired, transferred out, reserved or active); the finding is resolved',
  params: FindingId,
  response: FindingResource,
  successStatus: 200,
  errors: ['NOT_FOUND', 'CONFLICT', 'PROVIDER_ERROR', 'SERVICE_UNAVAILABLE'],
  operation: () => import('./operations/reconciliation/repair.js'),
});

export const reconcileStartTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'scheduledReconcile',
  path: '/internal/scheduled/reconcile',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-provider', 'tasks:enqueue'],
  tag: 'internal',
  summary: 'Start an inventory reconciliation run (Cloud Scheduler, hourly)',
  body: ReconcileStartBody,
  response: ReconcileStartResult,
  successStatus: 200,
  errors: ['SERVICE_UNAVAILABLE'],
  runtime: { memory: '256Mi', timeoutSeconds: 300 },
  operation: () => import('./operations/reconciliation/start.js'),
});

export const reconcileAccountTaskRow = /* @__PURE__ */ defineEndpoint({
  name: 'taskReconcileAccount',
  path: '/internal/tasks/reconcile-account',
  method: 'POST',
  access: 'task',
  needs: ['secrets:read-provider', 'tasks:enqueue', 'somos'],
  tag: 'internal',
  summary: 'Reconcile one provider account, or (provider somos) the toll-free numbers against the TFN Registry (Cloud Tasks)',
  body: ReconcileAccountTask,
  bodyRequired: true,
  response: ReconcileAccountResult,
  successStatus: 200,
  errors: ['PROVIDER_ERROR', 'SERVICE_UNAVAILABLE', 'NOT_FOUND'],
  runtime: { memory: '512Mi', timeoutSeconds: 540 },
  operation: () => import('./operations/reconciliation/account.js'),
});

/** Audit, purchase follow-ups and reconciliation. Rows of the endpoint table (functions/endpoints.ts). */
export const operationsEndpoints: AnyEndpoint[] = [
  auditListRow,
  settlePurchaseTaskRow,
  reconciliationFindingsRow,
  reconciliationFindingRepairRow,
  reconcileStartTaskRow,
  reconcileAccountTaskRow,
];
