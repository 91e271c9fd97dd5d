import { fileURLToPath } from 'node:url';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/** Fake microphones (tests/fixtures/make-voice-fixtures.sh): a spoken question then silence, 6 s a loop; a click every 500 ms. */
export const SPEECH_WAV = fileURLToPath(new URL('../fixtures/voice-speech.wav', import.meta.url));
export const CLICKS_WAV = fileURLToPath(new URL('../fixtures/voice-clicks.wav', import.meta.url));

/**
 * Chromium with a fake camera and a WAV file as microphone, and the permission prompt answered
 * "allow"; without `allow`, prompts are denied as a person clicking "Blokkeren" would.
 */
export const fakeMediaArgs = (wav: string, allow = true): string[] => [
  '--use-fake-device-for-media-stream',
  `--use-file-for-fake-audio-capture=${wav}`,
  ...(allow ? ['--use-fake-ui-for-media-stream'] : ['--deny-permission-prompts']),
];

/**
 * Observation only: every RTCPeerConnection the page makes is also kept in `window.__pcs`, so a
 * test can read its stats. The page's own code creates, uses and closes them unchanged.
 */
export async function observePeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = seen;
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        seen.push(this);
      }
    };
  });
}

export interface LinkStats {
  state: RTCPeerConnectionState;
  /** Audio bytes received on this connection so far. */
  audioBytes: number;
  /** Audio level of the last received packets, as the page's own audio would play them. */
  audioLevel: number;
}

/**
 * Reads the page through the DevTools protocol: Runtime.evaluate is no user gesture (Playwright's
 * evaluate is), so watching cannot unlock audio or video playback for the page.
 */
export class PageWatch {
  readonly #cdp: CDPSession;
  private constructor(cdp: CDPSession) {
    this.#cdp = cdp;
  }

  static async of(page: Page): Promise<PageWatch> {
    return new PageWatch(await page.context().newCDPSession(page));
  }

  async value<T>(expression: string): Promise<T> {
    const result = await this.#cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (result.exceptionDetails) throw new Error(`page: ${result.exceptionDetails.exception?.description ?? result.exceptionDetails.text}`);
    return result.result.value as T;
  }

  /** Every connection the page made, in order, with its audio statistics. */
  links(): Promise<LinkStats[]> {
    return this.value<LinkStats[]>(`Promise.all(window.__pcs.map(async (pc) => {
      let audioBytes = 0, audioLevel = 0;
      if (pc.connectionState !== 'closed') (await pc.getStats()).forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') { audioBytes += r.bytesReceived; audioLevel = Math.max(audioLevel, r.audioLevel ?? 0); }
      });
      return { state: pc.connectionState, audioBytes, audioLevel };
    }))`);
  }

  /** The open connections' received audio bytes, in order of creation. */
  async openAudioBytes(): Promise<number[]> {
    return (await this.links()).filter((l) => l.state !== 'closed').map((l) => l.audioBytes);
  }

  async videoVolume(): Promise<number> {
    return this.value<number>(`document.querySelector('video').volume`);
  }
}

/** Resolves once `read` gives a value above the previous reading by more than `by`, checked every 300 ms. */
export async function grows(read: () => Promise<number>, by = 0, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = await read();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await read();
    if (now > last + by) return;
    last = now;
  }
  throw new Error('the value did not grow');
}

/** Resolves once `read` gives the same value twice 1 s apart: nothing arrives any more. */
export async function stops(read: () => Promise<number>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = await read();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = await read();
    if (now === last) return;
    last = now;
  }
  throw new Error('the value kept changing');
}
