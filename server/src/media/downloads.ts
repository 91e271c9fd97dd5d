/**
 * Downloading the room's video: the one way a recording leaves the server. Off by default; the
 * host may switch it on per room, but it works only while the current consent is given with
 * `fragmentsOutsideRoom` (the client agreed that the video may be shown outside the room).
 *
 * Two safeguards: every request computes `effective = setting && consent allows`, so a narrower
 * consent applies to the very next request; and a consent version that does not allow it (or a
 * withdrawal) also switches the setting off, so a later consent that allows it again does not
 * silently bring downloads back: the host has to decide again.
 */
import type { Consent, DownloadSettings } from '../../../shared/api/media-schemas.ts';
import type { RoomAccess } from '../rooms/guard.ts';
import { AppError } from '../http/errors.ts';
import type { RoomStore } from '../rooms/room-store.ts';
import type { ConsentStore } from './consent-store.ts';
import type { MediaRow, MediaStore } from './media-store.ts';
import type { MediaChange, MediaService } from './service.ts';

export const CONSENT_FORBIDS_DOWNLOAD = 'De toestemming staat niet toe dat de video buiten de kamer komt / The consent does not allow the video to leave the room.';
export const DOWNLOADS_OFF = 'Downloaden van de video is in deze kamer niet toegestaan / Downloading the video is not allowed in this room.';

/** The consent in force lets the video leave the room. */
export const consentAllowsDownload = (consent: Consent | null): boolean => consent?.kind === 'given' && consent.fragmentsOutsideRoom;

export function downloadSettings(downloadsAllowed: boolean, consent: Consent | null): DownloadSettings {
  const consentAllows = consentAllowsDownload(consent);
  return { downloadsAllowed, consentAllows, effective: downloadsAllowed && consentAllows };
}

const EXTENSIONS: Record<string, string> = { mp4: 'mp4', mov: 'mov', webm: 'webm', matroska: 'mkv' };

/**
 * The name a download is saved under: the shown file name reduced to ASCII letters, digits, `.`,
 * `_` and `-` (it came from the uploader, so nothing of it may reach a header unfiltered), with
 * the extension of the container the server detected.
 */
export function downloadFileName(fileName: string, container: string | null): string {
  const ext = EXTENSIONS[container ?? ''] ?? 'mp4';
  const stem = fileName
    .replace(/\.[A-Za-z0-9]{1,8}$/, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 80)
    .replace(/[-._]+$/g, '');
  return `${stem || 'video'}.${ext}`;
}

/** A video file on the server that may leave it: an upload (not a local copy) with its path. */
export type DownloadableVideo = MediaRow & { filePath: string };

export function createDownloads(deps: {
  rooms: RoomStore;
  consents: ConsentStore;
  media: MediaService;
  mediaStore: MediaStore;
  /** Told when downloads became possible or impossible, so open rooms update at once (`media:changed`). */
  onChange?: (roomId: string, change: MediaChange) => void;
}) {
  const { rooms, consents, media, mediaStore } = deps;

  /** Read fresh from the database: a RoomAccess carries the room as it was at the start of the request. */
  const settings = async (roomId: string): Promise<DownloadSettings> => downloadSettings((await rooms.get(roomId))?.downloadsAllowed ?? false, await consents.current(roomId));

  async function set(roomId: string, allowed: boolean): Promise<DownloadSettings> {
    const before = await settings(roomId);
    if (allowed && !before.consentAllows) throw new AppError('conflict', CONSENT_FORBIDS_DOWNLOAD);
    await rooms.setDownloadsAllowed(roomId, allowed);
    const after = await settings(roomId);
    if (after.effective !== before.effective) deps.onChange?.(roomId, { reason: 'downloads' });
    return after;
  }

  return {
    settings,
    set,
    /** After every new consent version or withdrawal: one that does not allow downloads switches them off. */
    async afterConsentChange(roomId: string): Promise<void> {
      const current = await settings(roomId);
      if (current.downloadsAllowed && !current.consentAllows) {
        await rooms.setDownloadsAllowed(roomId, false);
        deps.onChange?.(roomId, { reason: 'downloads' });
      }
    },
    /** Throws 403 unless downloads are effectively allowed in this room. */
    async require(roomId: string): Promise<void> {
      if (!(await settings(roomId)).effective) throw new AppError('forbidden', DOWNLOADS_OFF);
    },
    /**
     * The room's video file for someone who may watch it, while downloads are effectively
     * allowed; otherwise the error that says why not (403, 404, 410).
     */
    async requireFile(a: RoomAccess): Promise<DownloadableVideo> {
      await media.requireVideoAccess(a);
      // Gone the moment the retention date has passed, not only at the next sweep.
      await media.removeIfExpired(a.room.id);
      if (!(await settings(a.room.id)).effective) throw new AppError('forbidden', DOWNLOADS_OFF);
      const row = await mediaStore.get(a.room.id);
      if (!row) {
        if (await mediaStore.removal(a.room.id)) throw new AppError('gone', 'The video has been deleted.');
        throw new AppError('not_found', 'This room has no video.');
      }
      if (!row.filePath) throw new AppError('not_found', 'This room uses local copies: the video is not on the server.');
      return row as DownloadableVideo;
    },
  };
}
export type Downloads = ReturnType<typeof createDownloads>;
