import { z } from 'zod';

/**
 * zod without its JIT: an object schema is parsed by zod's own code, not by a parser zod writes and
 * compiles (`new Function`) on that schema's first parse. Measured on an 8-field object: the compiled
 * parser saves about 1.5 µs per parse and costs about 1.3 ms to make, so it pays for itself after about
 * a thousand parses of that one schema; a function's first request parses a dozen object schemas (its
 * input, the documents it reads) once or twice each, and no code cache can hold a compiled parser.
 *
 * Imported first by a function's entry (functions/entry.ts) and by the local server's table
 * (functions/index.ts): zod reads the setting when it builds an object schema, so it must be set before
 * any module builds one.
 */
z.config({ jitless: true });
