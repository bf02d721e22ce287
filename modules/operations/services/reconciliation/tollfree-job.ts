/** The toll-free numbers' reconciliation job: one per run, for the platform's RespOrg (tollfree.ts runs it). */
export const TOLLFREE_PROVIDER = 'somos';
