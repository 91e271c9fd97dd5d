/**
 * The werkblad as JSON for the print page (client/src/reports/ReportPage.svelte). Same content and
 * pseudonymisation as `toWerkbladMarkdown`, but structured, and with all three columns listing the
 * observations of their kind, so the printed werkblad has timecodes in every column.
 */
import { ROLES } from '../../../shared/access/roles.ts';
import { describeDrawingNl } from '../../../shared/drawing/shapes.ts';
import type { ReportColumn, ReportMoment, ReportSpreektijd, WerkbladReport } from '../../../shared/api/reports-schemas.ts';
import { WERKBLAD_COLUMNS } from '../../../shared/kijkwijzer/werkblad.ts';
import type { Observation } from '../../../shared/notes/types.ts';
import { formatTimecode, sortObservations, themeNamer } from '../../../shared/reports/format.ts';
import { createPseudonymiser } from '../../../shared/reports/pseudonymise.ts';
import type { SpeakerTrack } from '../../../shared/spreektijd/corrections.ts';
import { figures } from '../../../shared/spreektijd/figures.ts';
import { speakerLabel, type SpeakerId } from '../../../shared/spreektijd/types.ts';
import type { RoomReport } from './input.ts';

const span = (start: number, end: number | null): string => (end === null ? formatTimecode(start) : `${formatTimecode(start)}–${formatTimecode(end)}`);

/** Where the print page gets an observation's frame with its drawing, or null when frames may not leave. */
export type FrameSrc = ((observationId: string) => string) | null;

const moment = (o: Observation, frameSrc: FrameSrc): ReportMoment => ({
  start: o.start,
  end: o.end,
  timecode: span(o.start, o.end),
  text: o.text,
  authorName: o.authorName,
  ...(o.drawing && o.drawing.length > 0 ? { drawing: { description: describeDrawingNl(o.drawing), shapes: o.drawing, frameSrc: frameSrc?.(o.id) ?? null } } : {}),
});

function spreektijdOf(track: SpeakerTrack | null | undefined, pseudonymise: boolean): ReportSpreektijd | null {
  if (!track) return null;
  const label = (id: SpeakerId): string => {
    const speaker = track.speakers.find((s) => s.id === id);
    return speaker ? speakerLabel(speaker, track.speakers, pseudonymise) : id;
  };
  const all = figures(track.turns, track.speakers.map((s) => s.id));
  return {
    shares: all.shares.map((s) => ({ label: label(s.speaker), seconds: s.seconds, percent: s.percent, beurten: s.beurten })),
    monologues: all.monologues.map((m) => ({ label: label(m.speaker), start: m.start, end: m.end, timecode: span(m.start, m.end) })),
    pauses: all.pauses.length,
    chains: all.chains.length,
    overlaps: all.overlaps.length,
    changesPerMinute: all.changesPerMinute,
  };
}

export function werkbladReport(report: RoomReport, pseudonymise: boolean, frameSrc: FrameSrc = null): WerkbladReport {
  const pseudo = pseudonymise ? createPseudonymiser(report.input) : null;
  const data = pseudo ? pseudo.input : report.input;
  // Free texts of the werkblad are not in the ReportInput proper, so they are replaced here.
  const t = (s: string): string => (pseudo ? pseudo.text(s) : s);
  const wb = report.input.werkblad;
  const themeName = themeNamer(data.themes);
  const observations = sortObservations(data.observations);

  return {
    room: { title: data.room.title, recordedOn: data.room.recordedOn },
    exportedAt: data.exportedAt.toISOString(),
    pseudonymised: pseudonymise,
    clientPseudonym: data.clientPseudonym,
    participants: ROLES.map((role) => ({ role, names: data.participants.filter((p) => p.role === role).map((p) => p.name) })).filter(
      (r) => r.names.length > 0,
    ),
    goal: t(wb.goal),
    watchWith: wb.watchWith.map(t),
    themes: wb.themes.map((theme) => ({
      id: theme.id,
      name: theme.name,
      title: report.themeTitles.get(theme.id) ?? theme.name,
      questions: theme.questions,
      columns: WERKBLAD_COLUMNS.map(
        (column): ReportColumn => ({
          id: column.id,
          label: column.label.nl,
          text: column.id === 'zie' ? '' : t(theme[column.id]),
          items: observations.filter((o) => o.kind === column.id && o.themes.includes(theme.id)).map((o) => moment(o, frameSrc)),
        }),
      ),
    })),
    fragments: [...data.fragments]
      .sort((a, b) => a.order - b.order || a.start - b.start)
      .map((f) => ({
        title: f.title,
        start: f.start,
        end: f.end,
        timecode: span(f.start, f.end),
        question: f.question,
        themes: f.themes.map(themeName),
        clientFeedback: report.includeClientFeedback && f.clientFeedback.trim() !== '' ? f.clientFeedback : null,
      })),
    clientFeedbackShown: report.includeClientFeedback,
    aandachtspunten: wb.aandachtspunten.map((a) => ({ text: t(a.text) })),
    slim: wb.slim ? { selfImage: t(wb.slim.selfImage), role: t(wb.slim.role), matches: wb.slim.matches } : null,
    spreektijd: spreektijdOf(report.input.speakerTrack, pseudonymise),
  };
}
