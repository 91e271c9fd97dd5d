/**
 * The playback access log as CSV for the host: UTF-8 with BOM (Excel shows Dutch characters),
 * RFC 4180 quoting, CRLF records, Dutch headers and labels like the other exports.
 */
import type { Play } from '../../../shared/api/media-schemas.ts';
import { CSV_BOM, csvField, guardFormula } from '../../../shared/reports/csv.ts';
import { ROLE_LABELS } from '../../../shared/reports/types.ts';

export const ACCESS_LOG_COLUMNS = ['tijdstip', 'naam', 'rol', 'bron', 'modus', 'kamer'] as const;
const SOURCE_LABELS: Record<Play['source'], string> = {
  player: 'afspelen gestart',
  stream: 'video opgehaald',
  download: 'video gedownload',
  export: 'video in export (.qdpx)',
};
const MODE_LABELS: Record<Play['mode'], string> = { upload: 'op de server', byo: 'eigen bestand' };

export function accessLogCsv(roomTitle: string, plays: Play[]): string {
  const rows: string[][] = [[...ACCESS_LOG_COLUMNS]];
  for (const p of plays) {
    rows.push([
      new Date(p.at).toISOString(),
      guardFormula(p.name),
      ROLE_LABELS[p.role],
      SOURCE_LABELS[p.source],
      MODE_LABELS[p.mode],
      guardFormula(roomTitle),
    ]);
  }
  return CSV_BOM + rows.map((r) => r.map((f) => csvField(f)).join(',')).join('\r\n') + '\r\n';
}
