/** Shared test data for tests/unit/reports-*.test.ts (not a test file itself). */
import type { Shape } from '../../shared/drawing/shapes.ts';
import type { Observation } from '../../shared/notes/types.ts';
import type { ReportInput } from '../../shared/reports/types.ts';

export const PARTICIPANT_NAMES = ['Anna Bakker', 'Jan de Vries', 'Piet Jansen', 'Zoë van den Berg', 'Eline Maréchal'];

let seq = 0;
export function obs(partial: Partial<Observation> & Pick<Observation, 'start' | 'text'>): Observation {
  seq++;
  return {
    id: `o${seq}`,
    end: null,
    themes: [],
    kind: 'zie',
    authorId: 'u1',
    authorName: 'Anna Bakker',
    role: 'begeleider',
    createdAt: Date.UTC(2024, 2, 12, 10, 0, seq),
    updatedAt: Date.UTC(2024, 2, 12, 11, 0, seq),
    ...partial,
  };
}

export function makeInput(): ReportInput {
  seq = 0;
  return {
    room: { id: 'room-1', title: 'Gesprek met Jan de Vries, café "De Hoek"', recordedOn: '2024-03-12' },
    media: { fileName: 'gesprek jan.mp4', mimeType: 'video/mp4', durationSeconds: 3730 },
    clientPseudonym: 'Noor',
    participants: [
      { id: 'u1', name: 'Anna Bakker', role: 'begeleider' },
      { id: 'u2', name: 'Jan de Vries', role: 'client' },
      { id: 'u3', name: 'Piet Jansen', role: 'coach' },
      { id: 'u4', name: 'Zoë van den Berg', role: 'coach' },
      { id: 'u5', name: 'Eline Maréchal', role: 'klantmanager' },
    ],
    observations: [
      obs({
        start: 61.234,
        end: 75.5,
        themes: ['t-contact', 't-luisteren'],
        text: 'Jan knikt, zegt "ja" en kijkt weg.\nDaarna: stilte; Anna wacht.',
      }),
      obs({
        start: 10,
        kind: 'vraag',
        themes: ['t-regie'],
        text: 'Waarom vraagt Zoë niet door? Geïnteresseerd & <open>?',
        authorId: 'u3',
        authorName: 'Piet Jansen',
        role: 'coach',
      }),
      obs({
        start: 3725.5,
        end: 3727.001,
        kind: 'anders',
        themes: ['t-onbekend'],
        text: '=SOM(A1) --> rare tekst, met «tekens» en ëïé',
        authorId: 'u4',
        authorName: 'Zoë van den Berg',
        role: 'coach',
      }),
      obs({
        start: 3729.5,
        kind: 'notitie',
        text: '- Eline Maréchal en mevrouw de Vries: "geen" commentaar\r\n\r\nvolgende regel',
        authorId: 'u5',
        authorName: 'Eline Maréchal',
        role: 'klantmanager',
      }),
      obs({
        start: 0.001,
        end: 0.002,
        kind: 'zie',
        themes: ['t-contact'],
        text: 'Eerste seconde: begroeting door Anna',
      }),
      obs({
        start: 125.75,
        kind: 'zie',
        themes: ['t-luisteren'],
        text: 'Extern genoteerd door een gast',
        authorId: 'gast-9',
        authorName: 'Gijs Gastmans',
        role: 'collega',
      }),
    ],
    fragments: [
      {
        id: 'f2',
        start: 300,
        end: 360.5,
        title: 'Afsluiting met Jan',
        question: 'Wat zag je bij Piet?',
        themes: ['t-regie'],
        clientFeedback: 'Jan vond het fijn & prettig',
        order: 2,
      },
      {
        id: 'f1',
        start: 60,
        end: 90,
        title: 'Begin <contact>',
        question: 'Hoe maakte Anna contact?',
        themes: ['t-contact'],
        clientFeedback: 'Voelde me gehoord',
        order: 1,
      },
    ],
    themes: [
      { id: 't-contact', name: 'Contact maken' },
      { id: 't-luisteren', name: 'Actief luisteren' },
      { id: 't-regie', name: 'Regie bij de cliënt' },
    ],
    exportedAt: new Date('2024-03-14T09:30:00.000Z'),
  };
}

/** Build a report from imported items (authors become participants by name) for round trips. */
export function inputFromImported(
  items: { start: number; end: number | null; kind: Observation['kind']; themes: string[]; text: string; authorName: string | null }[],
): ReportInput {
  const base = makeInput();
  const ids = new Map<string, string>();
  const participants: ReportInput['participants'] = [];
  const observations = items.map((item, index) => {
    const name = item.authorName ?? 'Onbekend';
    let id = ids.get(name);
    if (!id) {
      id = `imp-${ids.size + 1}`;
      ids.set(name, id);
      participants.push({ id, name, role: 'collega' });
    }
    return {
      id: `i${index + 1}`,
      start: item.start,
      end: item.end,
      themes: item.themes,
      kind: item.kind,
      text: item.text,
      authorId: id,
      authorName: name,
      role: 'collega' as const,
      createdAt: 1_700_000_000_000 + index,
      updatedAt: 1_700_000_000_000 + index,
    };
  });
  return { ...base, participants, observations, fragments: [] };
}

/** Sort imported items like the exporters do (start, then end with moments first). */
export function byTime<T extends { start: number; end: number | null }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.start - b.start || (a.end ?? -1) - (b.end ?? -1));
}

/** Three shapes (an arrow, an ellipse, a label that names Anna) for the observations that get a drawing. */
export const DRAWN: Shape[] = [
  { id: 'a1', kind: 'arrow', color: '#d9480f', points: [1000, 1000, 4000, 5000] },
  { id: 'e1', kind: 'ellipse', color: '#d9480f', points: [5000, 2000, 7000, 4000] },
  { id: 'l1', kind: 'label', color: '#1c7ed6', points: [6000, 6000], text: 'Anna, hier' },
];

/**
 * `makeInput()` with drawings: the observation at 61.234 s (two themes) gets DRAWN, the one at
 * 10 s (one theme) a single arrow.
 */
export function makeDrawnInput(): ReportInput {
  const input = makeInput();
  const at = (start: number) => input.observations.find((o) => o.start === start)!;
  at(61.234).drawing = DRAWN.map((s) => ({ ...s }));
  at(10).drawing = [{ ...DRAWN[0]! }];
  return input;
}
