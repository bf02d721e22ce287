/** Writes the artifacts derived from the endpoint table: terraform/functions.json and terraform/openapi.json. */
import { writeFile } from 'node:fs/promises';
import { endpoints } from '../functions/endpoints.js';
import { functionManifest } from '../functions/manifest.js';
import { buildOpenApi } from '../shared/api/openapi.js';

export const generated = {
  'terraform/functions.json': () => JSON.stringify(functionManifest(endpoints), null, 2) + '\n',
  'terraform/openapi.json': () => JSON.stringify(buildOpenApi(endpoints), null, 2) + '\n',
};

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [file, render] of Object.entries(generated)) {
    await writeFile(new URL(`../${file}`, import.meta.url), render());
    console.log(`wrote ${file}`);
  }
}
