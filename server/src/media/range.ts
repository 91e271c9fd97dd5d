/**
 * HTTP byte ranges (RFC 9110 §14) and the validators used with them (ETag, If-Range).
 * Pure functions: no Fastify, no file system.
 */

/** An inclusive byte range, as in `Content-Range: bytes start-end/size`. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeResult =
  /** No usable Range header (absent, other unit, or malformed): serve the whole file (200). */
  | { kind: 'none' }
  /** Exactly one satisfiable range: serve 206 with `Content-Range: bytes start-end/size`. */
  | ({ kind: 'single' } & ByteRange)
  /** Syntactically valid, but no range overlaps the representation: 416 with `bytes *\/size`. */
  | { kind: 'unsatisfiable' }
  /**
   * More than one range was asked for and at least one is satisfiable. `ranges` holds the
   * satisfiable ones (clamped, in request order), so the caller can serve `ranges[0]` as a
   * single 206 or ignore the header and serve the whole file (both allowed by the RFC).
   */
  | { kind: 'multiple'; ranges: ByteRange[] };

const DIGITS = /^[0-9]+$/;

/**
 * Parses a `Range` request header against a representation of `size` bytes.
 *
 * - `bytes=a-b` → a..min(b, size-1); `bytes=a-` → a..size-1; `bytes=-n` → the last n bytes
 *   (the whole file when n ≥ size).
 * - a ≥ size, or a suffix of 0 → not satisfiable; if no range is satisfiable → 'unsatisfiable'.
 * - Anything malformed (other unit, missing numbers, b < a, junk) → 'none': the RFC lets a
 *   server ignore a Range header it cannot parse.
 * - The unit is case-insensitive; optional whitespace around commas and empty list elements
 *   are accepted (RFC 9110 §5.6.1).
 * - For an empty representation (size 0) nothing can be served partially; a suffix range is
 *   'none' (serve the empty 200), any `a-` range is 'unsatisfiable'.
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'none' };
  const eq = header.indexOf('=');
  if (eq < 0) return { kind: 'none' };
  if (header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'none' };

  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'none' };

  const satisfiable: ByteRange[] = [];
  let sizeZeroSuffix = false;
  for (const spec of specs) {
    const dash = spec.indexOf('-');
    if (dash < 0) return { kind: 'none' };
    const first = spec.slice(0, dash).trim();
    const last = spec.slice(dash + 1).trim();

    if (first === '') {
      // suffix-range: "-" suffix-length
      if (!DIGITS.test(last)) return { kind: 'none' };
      const suffix = Number(last);
      if (suffix === 0) continue; // never satisfiable
      if (size === 0) {
        sizeZeroSuffix = true;
        continue;
      }
      satisfiable.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }

    // int-range: first-pos "-" [ last-pos ]
    if (!DIGITS.test(first)) return { kind: 'none' };
    if (last !== '' && !DIGITS.test(last)) return { kind: 'none' };
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return { kind: 'none' }; // invalid range-spec → ignore the header
    if (start >= size) continue; // not satisfiable
    satisfiable.push({ start, end: Math.min(end, size - 1) });
  }

  if (satisfiable.length === 0) {
    return sizeZeroSuffix ? { kind: 'none' } : { kind: 'unsatisfiable' };
  }
  if (specs.length === 1) {
    const only = satisfiable[0]!;
    return { kind: 'single', start: only.start, end: only.end };
  }
  return { kind: 'multiple', ranges: satisfiable };
}

/**
 * A strong ETag (quoted) for a stored file.
 *
 * With `sha256` (hex digest of the *whole* content) the tag is content-based:
 * `"<size hex>-<sha256>"`. Without it the tag is derived from size, mtime (whole ms) and, when
 * given, the inode: `"<size hex>-<mtime hex>[-<ino hex>]"`, like nginx/Apache. The tag is
 * strong on purpose: If-Range only ever matches strong validators.
 * Do not pass a partial (head/tail) fingerprint as `sha256`.
 */
export function etagFor(
  stat: { size: number; mtimeMs: number; ino?: number },
  sha256?: string,
): string {
  const size = stat.size.toString(16);
  if (sha256) return `"${size}-${sha256.toLowerCase()}"`;
  const mtime = Math.trunc(stat.mtimeMs).toString(16);
  const ino = stat.ino !== undefined && stat.ino > 0 ? `-${stat.ino.toString(16)}` : '';
  return `"${size}-${mtime}${ino}"`;
}

/**
 * Evaluates an `If-Range` precondition (RFC 9110 §13.1.5). Returns true when the Range header
 * may be honoured: when there is no If-Range, when it is an entity-tag that strongly matches
 * `etag`, or when it is an HTTP-date equal (to the second) to `lastModified`.
 * Weak tags (`W/"…"`) and unparsable dates never match, so the caller serves the whole file.
 *
 * @param lastModified the representation's Last-Modified as a Date or epoch milliseconds.
 */
export function ifRangeMatches(
  ifRange: string | undefined,
  etag: string,
  lastModified: Date | number,
): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value === '') return true;

  if (value.startsWith('"') || value.startsWith('W/')) {
    // strong comparison: neither may be weak, opaque tags identical
    if (value.startsWith('W/') || etag.startsWith('W/')) return false;
    return value === etag;
  }

  const date = Date.parse(value);
  if (Number.isNaN(date)) return false;
  const lm = typeof lastModified === 'number' ? lastModified : lastModified.getTime();
  if (Number.isNaN(lm)) return false;
  return Math.floor(date / 1000) === Math.floor(lm / 1000);
}
