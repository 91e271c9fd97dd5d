import { describe, expect, it } from 'vitest';
import {
  exportFileName,
  formatSeconds,
  formatTimecode,
  formatVttTimestamp,
  parseTimeValue,
  rangeMs,
  slugify,
  sortObservations,
  toMs,
} from '../../shared/reports/format.ts';
import { deterministicGuid } from '../../shared/reports/qdpx.ts';
import { obs } from './reports-fixtures.ts';

describe('report time formatting', () => {
  it('formats seconds with millisecond precision', () => {
    expect(formatSeconds(0)).toBe('0.000');
    expect(formatSeconds(61.2345)).toBe('61.235'); // rounded, not truncated
    expect(formatSeconds(3725.5)).toBe('3725.500');
    expect(formatSeconds(0.1 + 0.2)).toBe('0.300');
    expect(formatSeconds(-3)).toBe('0.000');
    expect(formatSeconds(Number.NaN)).toBe('0.000');
  });

  it('formats timecodes as mm:ss.fff below an hour and h:mm:ss.fff above', () => {
    expect(formatTimecode(0)).toBe('00:00.000');
    expect(formatTimecode(61.234)).toBe('01:01.234');
    expect(formatTimecode(3599.9994)).toBe('59:59.999');
    expect(formatTimecode(3599.9996)).toBe('1:00:00.000');
    expect(formatTimecode(3725.5)).toBe('1:02:05.500');
    expect(formatTimecode(36000)).toBe('10:00:00.000');
  });

  it('formats WebVTT timestamps with hours', () => {
    expect(formatVttTimestamp(0)).toBe('00:00:00.000');
    expect(formatVttTimestamp(3725500)).toBe('01:02:05.500');
  });

  it('parses seconds and timecodes, with . or , as decimal mark', () => {
    expect(parseTimeValue('12.345')).toBe(12.345);
    expect(parseTimeValue('12,345')).toBe(12.345);
    expect(parseTimeValue(' 7 ')).toBe(7);
    expect(parseTimeValue('01:01.234')).toBe(61.234);
    expect(parseTimeValue('1:02:05.500')).toBe(3725.5);
    expect(parseTimeValue('00:00:01,5')).toBe(1.5);
    expect(parseTimeValue('1.23456')).toBe(1.235);
    for (const bad of ['', 'abc', '-1', '1:60.000', '1:2:3:4', '12.3.4', 'Infinity', '1e3']) {
      expect(parseTimeValue(bad), bad).toBeNull();
    }
  });

  it('round-trips every millisecond value through format and parse', () => {
    for (const ms of [0, 1, 999, 1000, 59_999, 61_234, 3_599_999, 3_600_000, 3_725_501, 86_399_999]) {
      expect(toMs(parseTimeValue(formatSeconds(ms / 1000))!)).toBe(ms);
      expect(toMs(parseTimeValue(formatTimecode(ms / 1000))!)).toBe(ms);
    }
  });

  it('gives moments a short range, not beyond the media duration', () => {
    expect(rangeMs(10, null, null)).toEqual({ begin: 10_000, end: 12_000, moment: true });
    expect(rangeMs(10, 15.5, null)).toEqual({ begin: 10_000, end: 15_500, moment: false });
    expect(rangeMs(99, null, 100)).toEqual({ begin: 99_000, end: 100_000, moment: true });
    expect(rangeMs(10, 10, null).end).toBe(12_000); // zero-length treated as a moment
    expect(rangeMs(100, null, 100).end).toBe(100_001); // at the very end: at least 1 ms
  });
});

describe('exportFileName', () => {
  it('builds kijkkamer-<slug>-<date>.<ext>', () => {
    expect(exportFileName('Gesprek met Zoë — café "De Hoek"!', '2024-03-12', 'csv')).toBe(
      'kijkkamer-gesprek-met-zoe-cafe-de-hoek-2024-03-12.csv',
    );
    expect(exportFileName('   ', '2024-03-12', '.EAF')).toBe('kijkkamer-kamer-2024-03-12.eaf');
    expect(exportFileName('../../etc/passwd', '2024-03-12', 'vtt')).toBe('kijkkamer-etc-passwd-2024-03-12.vtt');
  });

  it('takes the calendar date in the Netherlands for a Date', () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Amsterdam.
    expect(exportFileName('x', new Date('2023-12-31T23:30:00Z'), 'md')).toBe('kijkkamer-x-2024-01-01.md');
    expect(exportFileName('x', new Date('2024-07-01T21:59:00Z'), 'md')).toBe('kijkkamer-x-2024-07-01.md');
  });

  it('limits the slug length', () => {
    expect(slugify('a'.repeat(200)).length).toBe(60);
  });
});

describe('sortObservations', () => {
  it('sorts by start, moments before ranges, then creation time', () => {
    const a = obs({ start: 5, end: 9, text: 'a', createdAt: 1 });
    const b = obs({ start: 5, end: null, text: 'b', createdAt: 2 });
    const c = obs({ start: 1, end: null, text: 'c', createdAt: 3 });
    const d = obs({ start: 5, end: 9, text: 'd', createdAt: 0 });
    expect(sortObservations([a, b, c, d]).map((o) => o.text)).toEqual(['c', 'b', 'd', 'a']);
  });
});

describe('deterministicGuid', () => {
  it('is RFC 4122 version-4 shaped, stable and distinct', () => {
    const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const g = deterministicGuid(`room\u0000note\u0000o${i}`);
      expect(g).toMatch(shape);
      seen.add(g);
    }
    expect(seen.size).toBe(5000);
    expect(deterministicGuid('abc')).toBe(deterministicGuid('abc'));
    expect(deterministicGuid('abc')).not.toBe(deterministicGuid('abd'));
    expect(deterministicGuid('ë')).not.toBe(deterministicGuid('e'));
  });
});
