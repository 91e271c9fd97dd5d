/** Pure export/import builders for Kijkkamer reports (no I/O, no DOM). */
export * from './types.ts';
export { exportFileName, formatSeconds, formatTimecode, parseTimeValue, MOMENT_SECONDS } from './format.ts';
export { pseudonymise, createPseudonymiser } from './pseudonymise.ts';
export type { Pseudonymiser } from './pseudonymise.ts';
export { toCsv, CSV_COLUMNS } from './csv.ts';
export { toWebVtt, toChaptersVtt } from './webvtt.ts';
export { toEaf } from './eaf.ts';
export { toQdpx, toQde, qdpxVideoEntryPath, deterministicGuid } from './qdpx.ts';
export type { QdpxOptions } from './qdpx.ts';
export { toWerkbladMarkdown } from './markdown.ts';
export type { WerkbladInput, WerkbladOptions, WerkbladTheme, WerkbladSlim } from './markdown.ts';
export { parseCsv, parseWebVtt, parseEaf } from './import.ts';
export { speakerTurnRows, spreektijdMarkdown, SPEAKER_TURN_KIND, EAF_TURN_TYPE } from './speakers.ts';
export type { SpeakerTurnRow } from './speakers.ts';
