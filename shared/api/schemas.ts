/**
 * Every request, response and task schema of the API (zod at the edge), one file per domain under
 * schemas/; this module is their public surface.
 */
export * from './schemas/base.js';
export * from './schemas/search.js';
export * from './schemas/numbers.js';
export * from './schemas/accounts.js';
export * from './schemas/tasks.js';
export * from './schemas/requirements.js';
export * from './schemas/addresses.js';
export * from './schemas/jobs.js';
export * from './schemas/tollfree.js';
export * from './schemas/tollfree-desk.js';
export * from './schemas/inbound.js';
export * from './schemas/notifications.js';
