import { describe, expect, it } from 'vitest';
import { conversionArgs, conversionTimeoutMs, ProgressReader, ProgressThrottle } from '../../server/src/media/conversion-progress.ts';

/** One `-progress` block as ffmpeg 5 prints it. */
const block = (outTimeUs: number | 'N/A', progress: 'continue' | 'end' = 'continue') =>
  [
    'frame=50',
    'fps=25.00',
    'stream_0_0_q=28.0',
    'bitrate= 354.8kbits/s',
    'total_size=262192',
    `out_time_us=${outTimeUs}`,
    `out_time_ms=${outTimeUs}`,
    `out_time=${outTimeUs === 'N/A' ? 'N/A' : '00:00:02.000000'}`,
    'dup_frames=0',
    'drop_frames=0',
    'speed=1.02x',
    `progress=${progress}`,
    '',
  ].join('\n');

describe('ProgressReader (ffmpeg -progress → percent)', () => {
  it('reports the share of the duration after each block', () => {
    const reader = new ProgressReader(10);
    expect(reader.feed(block(2_500_000))).toBe(25);
    expect(reader.feed(block(9_990_000))).toBe(99);
  });

  it('says 100 only when ffmpeg says end, and never more than 99 before', () => {
    const reader = new ProgressReader(10);
    // ffmpeg can run a little past the probed duration (audio priming, rounding).
    expect(reader.feed(block(10_400_000))).toBe(99);
    expect(reader.feed(block(10_400_000, 'end'))).toBe(100);
  });

  it('waits for a complete block, however the chunks split the lines', () => {
    const reader = new ProgressReader(4);
    const text = block(1_000_000) + block(3_000_000);
    const results: (number | null)[] = [];
    for (let i = 0; i < text.length; i += 7) results.push(reader.feed(text.slice(i, i + 7)));
    expect(results.filter((r) => r !== null)).toEqual([25, 75]);
    expect(reader.feed('frame=1\nout_time_us=3500000\n')).toBeNull();
  });

  it('reads CRLF lines and takes the newest value of several blocks in one chunk', () => {
    const reader = new ProgressReader(8);
    expect(reader.feed((block(2_000_000) + block(6_000_000)).replaceAll('\n', '\r\n'))).toBe(75);
  });

  it('stays at 0 before the first frame (N/A) and without a known duration', () => {
    expect(new ProgressReader(10).feed(block('N/A'))).toBe(0);
    expect(new ProgressReader(null).feed(block(5_000_000))).toBe(0);
    expect(new ProgressReader(0).feed(block(5_000_000))).toBe(0);
    expect(new ProgressReader(null).feed(block(5_000_000, 'end'))).toBe(100);
  });

  it('falls back to out_time when ffmpeg prints no microsecond fields', () => {
    const reader = new ProgressReader(100);
    expect(reader.feed('out_time=00:01:02.500000\nprogress=continue\n')).toBe(62);
    expect(new ProgressReader(100).feed('out_time=-00:00:00.040000\nprogress=continue\n')).toBe(0);
  });

  it('ignores lines that are not key=value and garbage values', () => {
    const reader = new ProgressReader(10);
    expect(reader.feed('hello\nout_time_us=abc\nout_time_us=\nprogress=continue\n')).toBe(0);
    expect(reader.feed('out_time_us=-5\nout_time_us=5000000\nprogress=continue\n')).toBe(50);
  });
});

describe('ProgressThrottle', () => {
  it('lets a changed percentage through at most every interval, and 100 always', () => {
    const throttle = new ProgressThrottle(250);
    expect(throttle.take(0, 1000)).toBe(true);
    expect(throttle.take(5, 1100)).toBe(false);
    expect(throttle.take(10, 1250)).toBe(true);
    expect(throttle.take(10, 2000)).toBe(false);
    expect(throttle.take(11, 2000)).toBe(true);
    expect(throttle.take(100, 2001)).toBe(true);
    expect(throttle.take(100, 3000)).toBe(false);
  });
});

describe('conversion arguments and time limit', () => {
  it('asks for 8-bit 4:2:0 H.264 and AAC in a fast-start MP4, with file: paths and progress on stdout', () => {
    const args = conversionArgs('/data/media/r/-odd:name.mov', '/data/media/r/x.converting');
    const after = (flag: string) => args[args.indexOf(flag) + 1];
    expect(after('-i')).toBe('file:/data/media/r/-odd:name.mov');
    expect(args.at(-1)).toBe('file:/data/media/r/x.converting');
    expect([after('-c:v'), after('-preset'), after('-crf'), after('-pix_fmt')]).toEqual(['libx264', 'veryfast', '23', 'yuv420p']);
    expect([after('-c:a'), after('-movflags'), after('-f'), after('-progress')]).toEqual(['aac', '+faststart', 'mp4', 'pipe:1']);
    expect(args).toContain('-nostats');
  });

  it('grows with the duration and has a bound without one', () => {
    expect(conversionTimeoutMs(60)).toBe(660_000);
    expect(conversionTimeoutMs(3600)).toBeGreaterThan(conversionTimeoutMs(60));
    expect(conversionTimeoutMs(null)).toBe(6 * 3_600_000);
  });
});
