import type { AnyEndpoint as Endpoint } from '../shared/api/endpoint.js';

/** The function list Terraform deploys (terraform/functions.json), derived from the endpoint table. */
export function functionManifest(endpoints: readonly Endpoint[]) {
  return {
    generatedFrom: 'functions/endpoints.ts — regenerate with `npm run generate`',
    functions: endpoints.map((e) => ({
      name: e.name,
      entryPoint: e.name,
      trigger: 'https',
      method: e.method,
      path: e.path,
      access: e.access,
      memory: e.runtime?.memory ?? '256Mi',
      timeoutSeconds: e.runtime?.timeoutSeconds ?? 60,
      minInstances: e.runtime?.minInstances ?? 0,
      maxInstances: e.runtime?.maxInstances ?? 100,
    })),
  };
}
