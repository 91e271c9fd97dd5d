import { describe, expect, it } from 'vitest';
import { etagFor, ifRangeMatches, parseRange } from '../../server/src/media/range.ts';

describe('parseRange', () => {
  const size = 100;

  it('is none without a header', () => {
    expect(parseRange(undefined, size)).toEqual({ kind: 'none' });
  });

  it('serves the first byte with bytes=0-0', () => {
    expect(parseRange('bytes=0-0', size)).toEqual({ kind: 'single', start: 0, end: 0 });
  });

  it('serves the last byte with bytes=-1', () => {
    expect(parseRange('bytes=-1', size)).toEqual({ kind: 'single', start: 99, end: 99 });
  });

  it('serves an open-ended range bytes=5-', () => {
    expect(parseRange('bytes=5-', size)).toEqual({ kind: 'single', start: 5, end: 99 });
  });

  it('serves a closed range', () => {
    expect(parseRange('bytes=10-19', size)).toEqual({ kind: 'single', start: 10, end: 19 });
  });

  it('clamps an end beyond the size', () => {
    expect(parseRange('bytes=90-1000', size)).toEqual({ kind: 'single', start: 90, end: 99 });
    expect(parseRange('bytes=0-99999999999999999999999', size)).toEqual({ kind: 'single', start: 0, end: 99 });
  });

  it('is unsatisfiable when the start is at or beyond the end', () => {
    expect(parseRange('bytes=100-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=100-200', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=5000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=99-', size)).toEqual({ kind: 'single', start: 99, end: 99 });
  });

  it('serves the whole file for a suffix larger than the size', () => {
    expect(parseRange('bytes=-500', size)).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(parseRange('bytes=-100', size)).toEqual({ kind: 'single', start: 0, end: 99 });
  });

  it('is unsatisfiable for a zero-length suffix', () => {
    expect(parseRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it('reports multiple ranges with the satisfiable ones in order', () => {
    expect(parseRange('bytes=0-0,5-6', size)).toEqual({
      kind: 'multiple',
      ranges: [
        { start: 0, end: 0 },
        { start: 5, end: 6 },
      ],
    });
    expect(parseRange('bytes=0-0, -1', size)).toEqual({
      kind: 'multiple',
      ranges: [
        { start: 0, end: 0 },
        { start: 99, end: 99 },
      ],
    });
    // unsatisfiable members are dropped; all unsatisfiable → unsatisfiable
    expect(parseRange('bytes=500-600,5-6', size)).toEqual({ kind: 'multiple', ranges: [{ start: 5, end: 6 }] });
    expect(parseRange('bytes=500-600,700-', size)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores garbage (none)', () => {
    for (const header of [
      '',
      'bytes',
      'bytes=',
      'bytes=,',
      'bytes=-',
      'bytes=abc',
      'bytes=a-b',
      'bytes=1-2-3',
      'bytes=0x10-20',
      'bytes=+1-2',
      'bytes=1.5-2',
      'bytes=--1',
      'bytes=0-0,garbage',
      'items=0-10',
      'bits=0-10',
      '0-10',
    ]) {
      expect(parseRange(header, size), header).toEqual({ kind: 'none' });
    }
  });

  it('ignores a range whose start is after its end (invalid range-spec)', () => {
    expect(parseRange('bytes=10-5', size)).toEqual({ kind: 'none' });
    expect(parseRange('bytes=0-0,10-5', size)).toEqual({ kind: 'none' });
  });

  it('accepts a case-insensitive unit, whitespace and empty list elements', () => {
    expect(parseRange('Bytes=0-0', size)).toEqual({ kind: 'single', start: 0, end: 0 });
    expect(parseRange('bytes= 1-2 ', size)).toEqual({ kind: 'single', start: 1, end: 2 });
    expect(parseRange('bytes=1-2,,', size)).toEqual({ kind: 'single', start: 1, end: 2 });
  });

  it('handles an empty representation', () => {
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-0', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-5', 0)).toEqual({ kind: 'none' });
  });

  it('handles a one-byte representation', () => {
    expect(parseRange('bytes=0-0', 1)).toEqual({ kind: 'single', start: 0, end: 0 });
    expect(parseRange('bytes=-1', 1)).toEqual({ kind: 'single', start: 0, end: 0 });
    expect(parseRange('bytes=1-', 1)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('etagFor', () => {
  it('is a strong, quoted tag from size, mtime and inode', () => {
    const tag = etagFor({ size: 1000, mtimeMs: 1700000000123.75, ino: 42 });
    expect(tag).toBe(`"3e8-${(1700000000123).toString(16)}-2a"`);
    expect(tag.startsWith('W/')).toBe(false);
  });

  it('changes when the size or mtime changes and omits a missing inode', () => {
    const a = etagFor({ size: 1000, mtimeMs: 5 });
    expect(a).toBe('"3e8-5"');
    expect(etagFor({ size: 1001, mtimeMs: 5 })).not.toBe(a);
    expect(etagFor({ size: 1000, mtimeMs: 6 })).not.toBe(a);
  });

  it('is content-based with a sha256', () => {
    const sha = 'AB'.repeat(32);
    expect(etagFor({ size: 16, mtimeMs: 1 }, sha)).toBe(`"10-${'ab'.repeat(32)}"`);
    expect(etagFor({ size: 16, mtimeMs: 2 }, sha)).toBe(etagFor({ size: 16, mtimeMs: 1 }, sha));
  });
});

describe('ifRangeMatches', () => {
  const etag = '"3e8-5"';
  const lastModified = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
  const httpDate = new Date(lastModified).toUTCString(); // "Tue, 02 Jan 2024 03:04:05 GMT"

  it('allows the range without If-Range', () => {
    expect(ifRangeMatches(undefined, etag, lastModified)).toBe(true);
  });

  it('matches the same strong tag only', () => {
    expect(ifRangeMatches('"3e8-5"', etag, lastModified)).toBe(true);
    expect(ifRangeMatches('"3e8-6"', etag, lastModified)).toBe(false);
    expect(ifRangeMatches('W/"3e8-5"', etag, lastModified)).toBe(false);
    expect(ifRangeMatches('"3e8-5"', 'W/"3e8-5"', lastModified)).toBe(false);
  });

  it('matches an HTTP-date equal to Last-Modified (second precision)', () => {
    expect(ifRangeMatches(httpDate, etag, lastModified)).toBe(true);
    expect(ifRangeMatches(httpDate, etag, new Date(lastModified))).toBe(true);
    expect(ifRangeMatches(new Date(lastModified + 1000).toUTCString(), etag, lastModified)).toBe(false);
    expect(ifRangeMatches(new Date(lastModified - 1000).toUTCString(), etag, lastModified)).toBe(false);
  });

  it('does not match garbage', () => {
    expect(ifRangeMatches('not a date', etag, lastModified)).toBe(false);
  });
});
