/**
 * fast-check arbitraries from the API's own JSON schemas (TypeBox objects are plain JSON Schema):
 * `valid` makes what the schema accepts, `hostile` mixes that with near misses (a field dropped,
 * one added, one of the wrong type) and plain nastiness (injection strings, huge and odd numbers,
 * prototype keys, deep nesting). Seeded, so every run is reproducible.
 */
import fc from 'fast-check';

interface Schema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
}

/** How many inputs each surface gets: ≈ 1 000 in all for `npm test`, ≥ 10 000 per surface for `npm run fuzz`. */
export const FUZZ_RUNS = Number(process.env.KIJKKAMER_FUZZ_RUNS ?? 0) || null;
export const FUZZ_SEED = Number(process.env.KIJKKAMER_FUZZ_SEED ?? 20_261_207);

export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0000\ufeff',
  "' OR 1=1 --",
  '"; DROP TABLE rooms; --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("http://evil.example","klik")',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  '\ud800',
  '𝕂ij𝕜𝕜𝕒𝕞𝕖𝕣 👩🏽‍⚕️',
  'x'.repeat(10_000),
];

const nastyString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 300 }));
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1 + 0.2, 4_294_967_296, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Nested arrays and objects deeper than any schema, and keys that name Object's own machinery. */
const deep = fc.integer({ min: 50, max: 2000 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown);
const prototypeKeys = fc.constantFrom(
  JSON.parse('{"__proto__":{"isAdmin":true,"role":"begeleider"}}') as unknown,
  JSON.parse('{"constructor":{"prototype":{"isAdmin":true}}}') as unknown,
);

/** Anything JSON can carry, leaning towards what breaks parsers and handlers. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: prototypeKeys },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);

export function valid(schema: Schema): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
  switch (schema.type) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 300, 300);
      if (schema.format === 'email') return fc.emailAddress().filter((e) => e.length >= min && e.length <= (schema.maxLength ?? 254));
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
      return fc.string({ minLength: min, maxLength: Math.max(min, max) });
    }
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1e9, Number.MIN_SAFE_INTEGER), max: Math.min(schema.maximum ?? 1e9, Number.MAX_SAFE_INTEGER) });
    case 'number': {
      const min = schema.exclusiveMinimum ?? schema.minimum ?? -1e9;
      return fc.double({ min, max: schema.maximum ?? 1e9, noNaN: true, minExcluded: schema.exclusiveMinimum !== undefined });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = valid(schema.items ?? {});
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 8, 8) };
      return schema.uniqueItems ? fc.uniqueArray(items, { ...constraints, selector: (v) => JSON.stringify(v) }) : fc.array(items, constraints);
    }
    case 'object': {
      const props = schema.properties ?? {};
      const record = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valid(s)]));
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    default:
      return anyJson;
  }
}

/** Valid inputs, near misses and junk, for one schema. */
export function hostile(schema: Schema): fc.Arbitrary<unknown> {
  const ok = valid(schema);
  const keys = Object.keys(schema.properties ?? {});
  const nearMiss =
    schema.type === 'object' && keys.length > 0
      ? fc.tuple(ok, fc.constantFrom(...keys), anyJson, fc.nat({ max: 2 })).map(([value, key, junk, how]) => {
          const copy = { ...(value as Record<string, unknown>) };
          if (how === 0) delete copy[key];
          else if (how === 1) copy[key] = junk;
          else copy[`${key}X`] = junk;
          return copy as unknown;
        })
      : anyJson;
  return fc.oneof({ weight: 3, arbitrary: ok }, { weight: 3, arbitrary: nearMiss }, { weight: 2, arbitrary: anyJson });
}

/** What must never be in an answer: a stack trace, a source path, or SQL and SQLite's own words. */
export const LEAK = /\n\s+at .+:\d+:\d+|node_modules\/|\/server\/src\/|\/dist\/server|\.ts:\d+:\d+|\.js:\d+:\d+|SQLITE_|\bsqlite3?\b|no such (table|column)|syntax error|\bSELECT \S+ FROM\b|\bINSERT INTO\b|\bDELETE FROM\b/i;
