import { z } from 'zod';
import { mappingSchema } from './schema.js';

/**
 * The JSON Schema of mapping files, generated from the same zod schema the loader uses, so
 * editors autocomplete exactly what the gateway accepts. Committed as `mappings/schema.json`;
 * a test fails when the two drift (`npm run schema` regenerates it).
 */
export function mappingJsonSchema(): Record<string, unknown> {
  return {
    // No `unrepresentable: 'any'`: a zod type JSON Schema cannot say should fail here, loudly,
    // not turn into a silent "anything goes" for editors.
    ...z.toJSONSchema(mappingSchema, { io: 'input', reused: 'ref' }),
    $id: 'https://github.com/dcr-gateway/dcr-gateway/mappings/schema.json',
    title: 'dcr-gateway mapping file',
  };
}
