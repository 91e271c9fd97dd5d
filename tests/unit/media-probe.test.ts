import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  isBrowserPlayable,
  MediaProbeError,
  parseFfprobeJson,
  probeMedia,
  type MediaFacts,
} from '../../server/src/media/probe.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const hasBinary = (name: string) => spawnSync('which', [name], { stdio: 'ignore' }).status === 0;
const HAS_FFPROBE = hasBinary('ffprobe');
const HAS_FFMPEG = hasBinary('ffmpeg');

describe('probeMedia', () => {
  it(`probes the MP4 fixture (ffprobe ${HAS_FFPROBE ? 'present' : 'absent: expects null'})`, async () => {
    const facts = await probeMedia(fixture('gesprek.mp4'));
    if (!HAS_FFPROBE) {
      expect(facts).toBeNull();
      return;
    }
    expect(facts).toMatchObject({
      width: 320,
      height: 240,
      frameRate: 25,
      videoCodec: 'h264',
      audioCodec: 'aac',
      pixelFormat: 'yuv420p',
    });
    expect(facts!.durationSeconds).toBeCloseTo(20, 1);
    expect(isBrowserPlayable(facts!)).toBe(true);
  });

  it('probes the WebM fixture', async () => {
    const facts = await probeMedia(fixture('gesprek.webm'));
    if (!HAS_FFPROBE) {
      expect(facts).toBeNull();
      return;
    }
    expect(facts).toMatchObject({ width: 320, height: 240, frameRate: 25, videoCodec: 'vp9', audioCodec: 'opus' });
    expect(facts!.durationSeconds).toBeCloseTo(20, 1);
    expect(isBrowserPlayable(facts!)).toBe(true);
  });

  it('resolves to null when the ffprobe binary is missing', async () => {
    await expect(
      probeMedia(fixture('gesprek.mp4'), { ffprobePath: '/nonexistent/kijkkamer/ffprobe' }),
    ).resolves.toBeNull();
  });

  it('rejects with MediaProbeError for a file that is not media', async () => {
    const result = probeMedia(fixture('README.md'));
    if (!HAS_FFPROBE) {
      await expect(result).resolves.toBeNull();
      return;
    }
    await expect(result).rejects.toBeInstanceOf(MediaProbeError);
  });
});

describe('fixture frame code', () => {
  // Decodes the 12-square binary frame code (see tests/fixtures/README.md) from decoded pixels.
  const decode = (gray: Uint8Array, width: number) => {
    let frame = 0;
    for (let i = 0; i < 12; i++) frame = (frame << 1) | (gray[232 * width + 72 + 16 * i]! >= 128 ? 1 : 0);
    return frame;
  };

  const FRAMES = [0, 1, 184, 255, 256, 499];

  it.each(['gesprek.mp4', 'gesprek.webm'])(`%s: frames carry their own number (ffmpeg ${HAS_FFMPEG ? 'present' : 'absent'})`, (file) => {
    if (!HAS_FFMPEG) {
      expect(FRAMES.length).toBeGreaterThan(0); // nothing to decode with; sniff/fingerprint tests cover the file
      return;
    }
    const select = FRAMES.map((n) => `eq(n\\,${n})`).join('+');
    const raw = execFileSync(
      'ffmpeg',
      ['-v', 'error', '-i', fixture(file), '-vf', `select=${select},setpts=N/(25*TB)`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      { maxBuffer: 8 << 20 },
    );
    const frameBytes = 320 * 240;
    expect(raw.byteLength).toBe(FRAMES.length * frameBytes);
    const decoded = FRAMES.map((_, k) => decode(new Uint8Array(raw.subarray(k * frameBytes, (k + 1) * frameBytes)), 320));
    expect(decoded).toEqual(FRAMES);
  });
});

describe('parseFfprobeJson', () => {
  it('extracts facts, skipping cover art, with fractional frame rates', () => {
    const facts = parseFfprobeJson({
      streams: [
        { codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        { codec_type: 'audio', codec_name: 'AAC' },
        {
          codec_type: 'video',
          codec_name: 'hevc',
          width: 1920,
          height: 1080,
          avg_frame_rate: '30000/1001',
          pix_fmt: 'yuv420p10le',
          disposition: { attached_pic: 0 },
        },
      ],
      format: { duration: '12.5' },
    });
    expect(facts).toEqual({
      durationSeconds: 12.5,
      width: 1920,
      height: 1080,
      frameRate: 30000 / 1001,
      videoCodec: 'hevc',
      audioCodec: 'aac',
      pixelFormat: 'yuv420p10le',
    });
  });

  it('falls back to r_frame_rate and stream durations, and handles audio-only', () => {
    expect(
      parseFfprobeJson({
        streams: [{ codec_type: 'video', codec_name: 'vp9', avg_frame_rate: '0/0', r_frame_rate: '25/1', duration: '3.2' }],
        format: {},
      }),
    ).toMatchObject({ frameRate: 25, durationSeconds: 3.2, audioCodec: null });
    expect(parseFfprobeJson({ streams: [{ codec_type: 'audio', codec_name: 'opus' }], format: { duration: 'N/A' } })).toEqual({
      durationSeconds: null,
      width: null,
      height: null,
      frameRate: null,
      videoCodec: null,
      audioCodec: 'opus',
      pixelFormat: null,
    });
  });

  it('rejects non-objects', () => {
    expect(() => parseFfprobeJson(null)).toThrow(TypeError);
    expect(() => parseFfprobeJson({ streams: 'x' })).toThrow(TypeError);
  });
});

describe('isBrowserPlayable', () => {
  const base: MediaFacts = {
    durationSeconds: 10,
    width: 320,
    height: 240,
    frameRate: 25,
    videoCodec: 'h264',
    audioCodec: 'aac',
  };

  it('accepts H.264, VP8, VP9 and AV1 with AAC, Opus, Vorbis, MP3 or no audio', () => {
    for (const videoCodec of ['h264', 'vp8', 'vp9', 'av1', 'H264']) {
      for (const audioCodec of ['aac', 'opus', 'vorbis', 'mp3', null]) {
        expect(isBrowserPlayable({ ...base, videoCodec, audioCodec }), `${videoCodec}/${audioCodec}`).toBe(true);
      }
    }
  });

  it('rejects HEVC, other codecs, missing video and non-4:2:0 8-bit H.264', () => {
    for (const videoCodec of ['hevc', 'h265', 'mpeg4', 'prores', null]) {
      expect(isBrowserPlayable({ ...base, videoCodec }), String(videoCodec)).toBe(false);
    }
    for (const audioCodec of ['pcm_s16le', 'ac3', 'flac_unknown', 'alac']) {
      expect(isBrowserPlayable({ ...base, audioCodec }), audioCodec).toBe(false);
    }
    expect(isBrowserPlayable({ ...base, pixelFormat: 'yuv420p10le' })).toBe(false);
    expect(isBrowserPlayable({ ...base, pixelFormat: 'yuv444p' })).toBe(false);
    expect(isBrowserPlayable({ ...base, pixelFormat: 'yuv420p' })).toBe(true);
    expect(isBrowserPlayable({ ...base, videoCodec: 'vp9', pixelFormat: 'yuv420p10le' })).toBe(true);
  });
});
