/**
 * Pure helpers for showing observations: filtering, search, sorting, range edits, colours and
 * timeline markers. No Svelte and no Yjs here, so they are unit-tested directly.
 */
import { themeById } from '../../../shared/kijkwijzer/themes.ts';
import type { Observation, ObservationKind } from '../../../shared/notes/types.ts';

export interface ObservationFilter {
  /** A Kijkwijzer theme id, or null for every theme (and none). */
  theme: string | null;
  kind: ObservationKind | null;
  authorId: string | null;
  /** Free text; every word must occur in the observation's text. */
  search: string;
}

export const NO_FILTER: Readonly<ObservationFilter> = { theme: null, kind: null, authorId: null, search: '' };

export const SORT_ORDERS = ['time', 'newest'] as const;
/** `time`: where it is in the recording; `newest`: most recently written first (handy live). */
export type SortOrder = (typeof SORT_ORDERS)[number];

/** Lower case without diacritics, so "client" finds "cliënt" and "Cliënt". */
export const foldForSearch = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

const searchWords = (search: string): string[] => foldForSearch(search).split(/\s+/).filter(Boolean);

export function isFiltering(filter: ObservationFilter): boolean {
  return filter.theme !== null || filter.kind !== null || filter.authorId !== null || searchWords(filter.search).length > 0;
}

export function matchesFilter(obs: Observation, filter: ObservationFilter): boolean {
  if (filter.theme !== null && !obs.themes.includes(filter.theme)) return false;
  if (filter.kind !== null && obs.kind !== filter.kind) return false;
  if (filter.authorId !== null && obs.authorId !== filter.authorId) return false;
  const words = searchWords(filter.search);
  if (words.length === 0) return true;
  const text = foldForSearch(obs.text);
  return words.every((word) => text.includes(word));
}

export const filterObservations = (list: readonly Observation[], filter: ObservationFilter): Observation[] =>
  list.filter((obs) => matchesFilter(obs, filter));

const byTime = (a: Observation, b: Observation): number =>
  a.start - b.start || (a.end ?? a.start) - (b.end ?? b.start) || a.createdAt - b.createdAt || a.id.localeCompare(b.id);
const byNewest = (a: Observation, b: Observation): number => b.createdAt - a.createdAt || byTime(a, b);

/** A sorted copy; ties fall back to creation time and id so the order never jumps between peers. */
export const sortObservations = (list: readonly Observation[], order: SortOrder): Observation[] =>
  [...list].sort(order === 'newest' ? byNewest : byTime);

/** Everyone who wrote an observation, once each, by name (the latest name they used). */
export function authorsOf(list: readonly Observation[]): { id: string; name: string }[] {
  const latest = new Map<string, Observation>();
  for (const obs of list) {
    const seen = latest.get(obs.authorId);
    if (!seen || seen.createdAt < obs.createdAt) latest.set(obs.authorId, obs);
  }
  return [...latest.values()].map((o) => ({ id: o.authorId, name: o.authorName })).sort((a, b) => a.name.localeCompare(b.name, 'nl') || a.id.localeCompare(b.id));
}

/**
 * The range after setting its start (`[`) or end (`]`) to `at`. An edge set past the other one
 * turns the range around instead of producing an invalid end before start; an end on the start
 * itself makes it a moment again.
 */
export function withRangeEdge(obs: Pick<Observation, 'start' | 'end'>, edge: 'start' | 'end', at: number): { start: number; end: number | null } {
  const t = Math.max(0, at);
  const other = edge === 'start' ? obs.end : obs.start;
  if (edge === 'start') {
    if (other === null || other === t) return { start: t, end: other === t ? null : other };
    return other > t ? { start: t, end: other } : { start: other, end: t };
  }
  if (t === obs.start) return { start: obs.start, end: null };
  return t > obs.start ? { start: obs.start, end: t } : { start: t, end: obs.start };
}

/** Observations without a (known) theme get the same neutral colour on the timeline. */
export const NEUTRAL_COLOR = '#4A5360';

/** The colour of an observation's first Kijkwijzer theme, else neutral. */
export function observationColor(obs: Pick<Observation, 'themes'>): string {
  for (const id of obs.themes) {
    const theme = themeById(id);
    if (theme) return theme.color;
  }
  return NEUTRAL_COLOR;
}

export interface TimelineMarker {
  id: string;
  start: number;
  end: number | null;
  color: string;
  /** What hovering the marker shows: the start of the text. */
  label: string;
}

const LABEL_MAX = 120;

export function observationMarkers(list: readonly Observation[]): TimelineMarker[] {
  return list.map((obs) => {
    const text = obs.text.trim().replace(/\s+/g, ' ');
    return {
      id: obs.id,
      start: obs.start,
      end: obs.end,
      color: observationColor(obs),
      label: text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text,
    };
  });
}

/** Dark enough for white cursor labels (≥ 4.5:1), distinct enough to tell people apart. */
const PRESENCE_COLORS = ['#1D5F8A', '#8E3B00', '#2E6B30', '#7B1FA2', '#A4262C', '#00695C', '#5D4037', '#283593'] as const;

/** A participant's colour, the same in every browser because it is derived from their id. */
export function presenceColor(participantId: string): { color: string; colorLight: string } {
  let hash = 0;
  for (let i = 0; i < participantId.length; i++) hash = (hash * 31 + participantId.charCodeAt(i)) >>> 0;
  const color = PRESENCE_COLORS[hash % PRESENCE_COLORS.length]!;
  return { color, colorLight: `${color}33` };
}
