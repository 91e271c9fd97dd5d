/**
 * Downloads through fetch instead of a plain link, so a refusal shows as a message in the room
 * (a link would navigate to a JSON error page) and so the progress of a large file can be shown.
 */
import { ApiError } from '../lib/api.ts';
import type { ErrorBody } from '../../../shared/errors.ts';

/** The file name from a Content-Disposition header: `filename*` (RFC 8187) first, then `filename`. */
export function fileNameFrom(disposition: string | null): string | null {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!.trim());
    } catch {
      // A broken encoding falls through to the plain name.
    }
  }
  return /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? null;
}

/** `fraction` is null while the size is unknown (no Content-Length). */
export type Progress = (fraction: number | null) => void;

export async function fetchFile(url: string, onProgress: Progress): Promise<{ blob: Blob; fileName: string | null }> {
  let res: Response;
  try {
    res = await fetch(url, { credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'network');
  }
  if (!res.ok) {
    const error = ((await res.json().catch(() => null)) as ErrorBody | null)?.error;
    throw new ApiError(res.status, error?.code ?? 'internal', error?.message ?? res.statusText);
  }
  const total = Number(res.headers.get('content-length')) || null;
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  onProgress(total ? 0 : null);
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.byteLength;
      onProgress(total ? Math.min(1, received / total) : null);
    }
  }
  const type = res.headers.get('content-type') ?? 'application/octet-stream';
  return { blob: new Blob(chunks, { type }), fileName: fileNameFrom(res.headers.get('content-disposition')) };
}

/** Hands a blob to the browser's download machinery under the given name. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the URL only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Lets the browser fetch and save a file itself: for a large file (a .qdpx with the video) that
 * must stream to disk instead of into memory. A refusal then shows in the browser's downloads.
 */
export function saveUrl(url: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = '';
  document.body.append(a);
  a.click();
  a.remove();
}
