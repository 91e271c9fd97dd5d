import { formatTimecode } from '../../../shared/playhead/format.ts';
import type { PlayheadLogEntry } from '../../../shared/playhead/protocol.ts';
import { i18n, t } from '../lib/i18n/i18n.svelte.ts';

/** 0.5 as the reader writes it: "0,5" in Dutch. */
export const formatRate = (rate: number): string => new Intl.NumberFormat(i18n.locale === 'nl' ? 'nl-NL' : 'en-GB').format(rate);

/** One event-log line as a sentence: "Coen pauzeerde op 12:34". */
export function describeEntry(entry: PlayheadLogEntry): string {
  const name = entry.actor?.name ?? t('playhead.system');
  const time = formatTimecode(entry.position);
  const value = entry.value;
  switch (entry.action) {
    case 'jump': {
      const seconds = typeof value === 'number' ? value : 0;
      return t(seconds < 0 ? 'playhead.log.jumpBack' : 'playhead.log.jumpForward', { name, time, seconds: Math.abs(seconds) });
    }
    case 'step': {
      const frames = typeof value === 'number' ? value : 0;
      return t(frames < 0 ? 'playhead.log.stepBack' : 'playhead.log.stepForward', { name, time, frames: Math.abs(frames) });
    }
    case 'rate':
      return t('playhead.log.rate', { name, rate: typeof value === 'number' ? formatRate(value) : String(value) });
    case 'mode':
      return t(value === 'presenter' ? 'playhead.log.mode.presenter' : 'playhead.log.mode.everyone', { name });
    case 'control':
      return t('playhead.log.control', { name, to: String(value) });
    case 'wait':
      return t('playhead.log.wait', { names: String(value) });
    case 'resume':
      return t('playhead.log.resume', { time });
    default:
      return t(`playhead.log.${entry.action}`, { name, time });
  }
}
