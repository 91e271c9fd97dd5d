/**
 * The browser's microphone, camera and speakers for the call. Echo cancellation, noise suppression
 * and automatic gain stay on: the recording plays from the same computer's speakers, and the
 * canceller keeps most of it out of the microphone (headphones keep all of it out).
 */
export type MicProblem = 'denied' | 'notFound' | 'inUse' | 'insecure' | 'other';

export interface DeviceOption {
  id: string;
  label: string;
}

export interface Devices {
  microphones: DeviceOption[];
  speakers: DeviceOption[];
  cameras: DeviceOption[];
}

/** Why getUserMedia failed, in terms a person can act on. */
export function classifyMediaError(err: unknown): MicProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'notFound';
    case 'NotReadableError':
    case 'AbortError':
      return 'inUse';
    default:
      return 'other';
  }
}

/** Outside a secure context (plain http on another host than localhost) browsers offer no microphone at all. */
export const mediaAvailable = (): boolean => typeof navigator.mediaDevices?.getUserMedia === 'function';

export async function openMicrophone(deviceId: string | null): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: false,
  });
  return stream.getAudioTracks()[0]!;
}

/** Small tiles need little: 320×240 at 15 frames a second keeps a five-way mesh light. */
export async function openCamera(deviceId: string | null): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } },
    audio: false,
  });
  return stream.getVideoTracks()[0]!;
}

/** Labels are only known once the person allowed the microphone; before that, numbered names. */
export async function listDevices(): Promise<Devices> {
  const all = await navigator.mediaDevices.enumerateDevices();
  const of = (kind: MediaDeviceKind): DeviceOption[] =>
    all.filter((d) => d.kind === kind && d.deviceId !== '' && d.deviceId !== 'default' && d.deviceId !== 'communications').map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
  return { microphones: of('audioinput'), speakers: of('audiooutput'), cameras: of('videoinput') };
}

/** Choosing the speaker needs HTMLMediaElement.setSinkId (Chromium, Firefox 116+, Safari not yet). */
export const canChooseSpeaker = (): boolean => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
