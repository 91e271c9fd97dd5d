import type { Page } from 'playwright-core';

/** What a page's video shows: the burned-in frame code (tests/fixtures/README.md) and the element's state. */
export interface Shown {
  frame: number;
  currentTime: number;
  paused: boolean;
  seeking: boolean;
  /** Wall clock of the reading (ms), to compare two pages read one after the other. */
  at: number;
}

/** Reads the 12-bit frame code from the pixels of the page's video. */
export function readVideo(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const video = document.querySelector('video')!;
    const canvas = document.createElement('canvas');
    canvas.width = 320;
    canvas.height = 240;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(video, 0, 0, 320, 240);
    const px = ctx.getImageData(0, 0, 320, 240).data;
    let frame = 0;
    for (let i = 0; i < 12; i++) {
      const o = (232 * 320 + 72 + 16 * i) * 4;
      frame = (frame << 1) | ((px[o]! + px[o + 1]! + px[o + 2]!) / 3 >= 128 ? 1 : 0);
    }
    return { frame, currentTime: video.currentTime, paused: video.paused, seeking: video.seeking, at: performance.timeOrigin + performance.now() };
  });
}

/** Polls until the page's video is paused, not seeking, and shows the same frame twice in a row. */
export async function settledFrame(page: Page): Promise<Shown> {
  let last: Shown | null = null;
  for (let i = 0; i < 200; i++) {
    const now = await readVideo(page);
    if (now.paused && !now.seeking && last && last.frame === now.frame && last.currentTime === now.currentTime) return now;
    last = now;
    await page.waitForTimeout(50);
  }
  throw new Error(`video did not settle: ${JSON.stringify(last)}`);
}
