/**
 * "Delen: deel je ervaringen met collega's." A leerpunt as plain text to paste anywhere: only what
 * the klantmanager wrote about their own practice. No names, no room, no times and no link, so
 * nothing points back to the video or to the client.
 */
import type { Leerpunt } from './doc.ts';
import type { Bilingual } from './types.ts';

const LABELS = {
  heading: { nl: 'Leerpunt uit een gesprek dat ik heb teruggekeken', en: 'A learning point from a conversation I watched back' },
  aandachtspunt: { nl: 'Wat ik anders wilde doen', en: 'What I wanted to do differently' },
  tried: { nl: 'Wat ik heb geprobeerd', en: 'What I tried' },
  outcome: { nl: 'Hoe het ging', en: 'How it went' },
} as const satisfies Record<string, Bilingual>;

const oneBlock = (text: string): string => text.trim().replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n');

export function leerpuntAsText(punt: Pick<Leerpunt, 'aandachtspunt' | 'tried' | 'outcome'>, lang: keyof Bilingual): string {
  const parts = [LABELS.heading[lang], ''];
  for (const key of ['aandachtspunt', 'tried', 'outcome'] as const) {
    const text = oneBlock(punt[key]);
    if (text !== '') parts.push(`${LABELS[key][lang]}:`, text, '');
  }
  return parts.join('\n').trimEnd() + '\n';
}
