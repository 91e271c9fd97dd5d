/** The Kijkwijzer werkblad: who you watch with, which themes you focus on, and three columns per theme. */
import { isThemeId } from './themes.ts';
import type { Bilingual, KijkwijzerOption } from './types.ts';

export const WATCH_WITH_PROMPT: Bilingual = { nl: 'Ik kijk samen met:', en: 'I am watching together with:' };

// Ids match the access roles where the person is the same kind of participant.
export const WATCH_WITH_IDS = ['alleen', 'collega', 'coach', 'onderzoeker', 'client', 'anders'] as const;
export type WatchWithId = (typeof WATCH_WITH_IDS)[number];

export interface WatchWithOption extends KijkwijzerOption<WatchWithId> {
  /** The werkblad leaves a blank line to fill in ("Anders: ____"). */
  readonly freeText: boolean;
}

export const WATCH_WITH: readonly WatchWithOption[] = [
  { id: 'alleen', label: { nl: 'Alleen', en: 'Alone' }, freeText: false },
  { id: 'collega', label: { nl: 'Collega', en: 'Colleague' }, freeText: false },
  { id: 'coach', label: { nl: 'Coach / trainer', en: 'Coach / trainer' }, freeText: false },
  { id: 'onderzoeker', label: { nl: 'Onderzoeker', en: 'Researcher' }, freeText: false },
  { id: 'client', label: { nl: 'Cliënt', en: 'Client' }, freeText: false },
  { id: 'anders', label: { nl: 'Anders', en: 'Other' }, freeText: true },
];

/** From the "Thema’s" step: the goal is set before choosing themes. */
export const GOAL_PROMPT: Bilingual = {
  nl: 'Benoem een doel voor het terugkijken. Als je terugdenkt aan het gesprek, waar heb je dan twijfels over?',
  en: 'Set a goal for watching back. Thinking back to the conversation, what do you have doubts about?',
};

export const THEME_CHOICE_PROMPT: Bilingual = {
  nl: 'Thema’s waar ik specifiek op ga letten (kies er 1 tot 3)',
  en: 'Themes I am going to pay particular attention to (choose 1 to 3)',
};

export const MIN_THEMES = 1;
export const MAX_THEMES = 3;

export type ThemeChoiceResult =
  | { ok: true }
  | { ok: false; reason: 'too_few' | 'too_many' | 'unknown_theme' | 'duplicate' };

/**
 * Checks a werkblad theme choice. Input may come from a client, hence plain strings.
 * Unknown and duplicate ids are reported before the count, so that the reason names the real
 * mistake instead of a count inflated by a typo or a double click.
 */
export function validateThemeChoice(ids: readonly string[]): ThemeChoiceResult {
  if (ids.length < MIN_THEMES) return { ok: false, reason: 'too_few' };
  if (!ids.every(isThemeId)) return { ok: false, reason: 'unknown_theme' };
  if (new Set(ids).size !== ids.length) return { ok: false, reason: 'duplicate' };
  if (ids.length > MAX_THEMES) return { ok: false, reason: 'too_many' };
  return { ok: true };
}

// Same ids as the observation kinds in shared/notes, which are modelled on these columns.
export const WERKBLAD_COLUMN_IDS = ['vraag', 'zie', 'anders'] as const;
export type WerkbladColumnId = (typeof WERKBLAD_COLUMN_IDS)[number];

export interface WerkbladColumn {
  readonly id: WerkbladColumnId;
  /** The column heading as printed on the werkblad. */
  readonly label: Bilingual;
  /** The instruction from the werkwijze step this column records. */
  readonly prompt: Bilingual;
  /** The werkblad asks for a time code with what you see ("+ tijdcode"). */
  readonly withTimecode: boolean;
}

export const WERKBLAD_COLUMNS: readonly WerkbladColumn[] = [
  {
    id: 'vraag',
    label: { nl: 'Wat ik me afvraag', en: 'What I wonder about' },
    prompt: {
      nl: 'Stel jezelf (of elkaar) vragen aan de hand van de verschillende thema’s.',
      en: 'Ask yourself (or each other) questions based on the different themes.',
    },
    withTimecode: false,
  },
  {
    id: 'zie',
    label: { nl: 'Wat ik zie', en: 'What I see' },
    prompt: {
      nl: 'Bekijk de video aan de hand van de thema’s in de Kijkwijzer.',
      en: 'Watch the video with the themes of the Kijkwijzer in mind.',
    },
    withTimecode: true,
  },
  {
    id: 'anders',
    label: { nl: 'Wat ik anders ga doen', en: 'What I am going to do differently' },
    prompt: {
      nl: 'Bedenk wat je voortaan of een volgende keer anders, meer of minder wilt doen (zie ook de tips).',
      en: 'Decide what you want to do differently, more or less from now on or next time (see also the tips).',
    },
    withTimecode: false,
  },
];
