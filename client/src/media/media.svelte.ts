import type { ByoBody, Consent, ConsentBody, ConsentOverview, Conversion, DownloadSettings, DownloadSettingsBody, MediaInfo, Play, WithdrawBody } from '../../../shared/api/media-schemas.ts';
import { fingerprintBlob } from '../../../shared/media/fingerprint.ts';
import { api } from '../lib/api.ts';
import type { RoomSocket } from '../lib/socket.ts';
import { getRoom, type RoomState } from '../rooms/room.svelte.ts';

/**
 * How often an open room re-reads its media info. The server announces changes (`media:changed`)
 * at once; this catches what a dropped connection missed and consent changes it does not announce.
 */
const REFRESH_MS = 30_000;

/** A participant's own copy of the recording in bring-your-own-file mode. */
export interface LocalCopy {
  name: string;
  state: 'checking' | 'match' | 'mismatch';
  /** blob: URL of the file, only once it matched the room's fingerprint. */
  url: string | null;
}

/** The room's video on the client: consent (host), media info, local copy and access log. */
export class MediaState {
  info = $state<MediaInfo | null>(null);
  consent = $state<ConsentOverview | null>(null);
  plays = $state<Play[] | null>(null);
  local = $state<LocalCopy | null>(null);
  private timer: ReturnType<typeof setInterval> | null = null;
  private playReported = false;
  private socket: RoomSocket | null = null;
  private readonly onChanged = () => void this.refresh().catch(() => undefined);
  /** Progress arrives a few times a second: applied as it is, without refetching. */
  private readonly onConversion = (conversion: Conversion) => {
    if (this.info) this.info.conversion = conversion;
  };

  readonly roomId: string;
  readonly isHost: boolean;
  /** The room whose socket announces changes; read at open(), when the room has connected. */
  private readonly room: Pick<RoomState, 'socket'>;
  constructor(roomId: string, isHost: boolean, room: Pick<RoomState, 'socket'>) {
    this.roomId = roomId;
    this.isHost = isHost;
    this.room = room;
  }

  get base(): string {
    return `/api/rooms/${this.roomId}`;
  }

  async open(): Promise<void> {
    this.socket = this.room.socket;
    this.socket?.on('media:changed', this.onChanged);
    this.socket?.on('media:conversion', this.onConversion);
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REFRESH_MS);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket?.off('media:changed', this.onChanged);
    this.socket?.off('media:conversion', this.onConversion);
    this.socket = null;
    this.forgetLocal();
  }

  async refresh(): Promise<void> {
    const [info, consent] = await Promise.all([
      api<MediaInfo>('GET', `${this.base}/media`),
      this.isHost ? api<ConsentOverview>('GET', `${this.base}/consent`) : Promise.resolve(null),
    ]);
    // A different (or no) video: a new playback start is a new start, and an old local copy no longer applies.
    if (info.video?.id !== this.info?.video?.id) {
      this.playReported = false;
      this.forgetLocal();
    }
    this.info = info;
    this.consent = consent;
  }

  async saveConsent(body: ConsentBody): Promise<Consent> {
    const saved = await api<Consent>('POST', `${this.base}/consent`, body);
    await this.refresh();
    return saved;
  }

  async withdraw(body: WithdrawBody): Promise<void> {
    await api<Consent>('POST', `${this.base}/consent/withdraw`, body);
    await this.refresh();
  }

  /** Host: the room's download switch; the server refuses switching on without consent for it (409). */
  async setDownloads(downloadsAllowed: boolean): Promise<DownloadSettings> {
    const body: DownloadSettingsBody = { downloadsAllowed };
    const settings = await api<DownloadSettings>('PUT', `${this.base}/media/downloads`, body);
    await this.refresh();
    return settings;
  }

  /** Host: converts the uploaded video to H.264/AAC on the server; progress then comes over the socket. */
  async startConversion(): Promise<void> {
    const started = await api<Conversion>('POST', `${this.base}/media/conversion`, {});
    // The socket's first progress may have overtaken this answer; it is the newer news then.
    if (this.info?.conversion.state !== 'running') this.onConversion(started);
  }

  /** Host: stops the conversion; the original stays as it was. */
  async cancelConversion(): Promise<void> {
    try {
      await api('DELETE', `${this.base}/media/conversion`);
    } finally {
      // Also when it had just ended (409): show how it ended.
      await this.refresh();
    }
  }

  async removeVideo(): Promise<void> {
    await api('DELETE', `${this.base}/media`);
    await this.refresh();
  }

  /** Host: the room uses local copies; the host's own file is checked and opened right away. */
  async setLocalMode(file: File, facts: Omit<ByoBody, 'size' | 'headTailSha256' | 'fileName'>): Promise<void> {
    const fingerprint = await fingerprintBlob(file);
    this.info = await api<MediaInfo>('POST', `${this.base}/media/byo`, { ...fingerprint, ...facts, fileName: file.name });
    await this.openLocal(file);
  }

  /** Checks a participant's own copy against the room's fingerprint; only a match is played. */
  async openLocal(file: File): Promise<void> {
    const video = this.info?.video;
    if (!video) return;
    this.forgetLocal();
    this.local = { name: file.name, state: 'checking', url: null };
    const fingerprint = await fingerprintBlob(file);
    const match = fingerprint.size === video.size && fingerprint.headTailSha256 === video.headTailSha256;
    this.local = { name: file.name, state: match ? 'match' : 'mismatch', url: match ? URL.createObjectURL(file) : null };
  }

  forgetLocal(): void {
    if (this.local?.url) URL.revokeObjectURL(this.local.url);
    this.local = null;
  }

  /** Logs the first start of playback of this video in this visit (the access log); a failed report is retried at the next start. */
  async reportPlay(): Promise<void> {
    if (this.playReported) return;
    this.playReported = true;
    try {
      await api('POST', `${this.base}/media/plays`, {});
    } catch {
      this.playReported = false;
    }
  }

  async loadPlays(): Promise<void> {
    this.plays = (await api<{ plays: Play[] }>('GET', `${this.base}/media/plays`)).plays;
  }
}

/**
 * One MediaState per open room, shared by the player area and the host's tools, which sit in
 * different parts of the room page (so not one component subtree for a context).
 */
const states = new WeakMap<RoomState, MediaState>();
export function mediaFor(room: RoomState): MediaState {
  let media = states.get(room);
  if (!media) {
    media = new MediaState(room.roomId, room.isHost, room);
    states.set(room, media);
  }
  return media;
}
export const getMedia = (): MediaState => mediaFor(getRoom());
