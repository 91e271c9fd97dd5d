import type { Role } from '../access/roles.ts';
import type { Shape } from '../drawing/shapes.ts';

/** What an observation is about, after the Kijkwijzer werkblad's three columns plus a free note. */
export const OBSERVATION_KINDS = ['vraag', 'zie', 'anders', 'notitie'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/** A plain snapshot of one observation as read from the room's Yjs document. */
export interface Observation {
  id: string;
  /** Seconds from the start of the recording. */
  start: number;
  /** Seconds, or null for a single moment. */
  end: number | null;
  themes: string[];
  kind: ObservationKind;
  text: string;
  authorId: string;
  authorName: string;
  role: Role;
  createdAt: number;
  updatedAt: number;
  /** Shapes drawn on the frame at `start` (shared/drawing); absent when nothing is drawn. */
  drawing?: Shape[];
}

/** A range of the recording prepared for the reflection conversation. */
export interface Fragment {
  id: string;
  start: number;
  end: number;
  title: string;
  /** The question for the klantmanager. */
  question: string;
  themes: string[];
  /** What the client said about this fragment in the interview; may be hidden by role. */
  clientFeedback: string;
  order: number;
}
