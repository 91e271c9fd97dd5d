/** The shared playhead: pure timeline, clock, drift, buffering and timecode logic for server and client. */
export {
  MIN_RATE,
  MAX_RATE,
  SCHEDULE_MIN_MS,
  SCHEDULE_MAX_MS,
  SCHEDULE_MARGIN_MS,
  DEFAULT_START_LATENCY_MS,
  applyCommand,
  clampRate,
  createPlayhead,
  expectedPosition,
  governingState,
  reopenTimeline,
  scheduleDelay,
  validateCommand,
  withMedia,
} from './timeline.ts';
export type { ClientTiming, CommandValidation, NewPlayhead, PlayheadCommand, PlayheadState, StoredTimeline } from './timeline.ts';
export { CLOCK_DEFAULTS, ClockEstimator, sampleOffset, sampleRtt } from './clock.ts';
export type { ClockEstimatorOptions, ClockSample } from './clock.ts';
export { DRIFT_DEFAULTS, DriftController } from './drift.ts';
export type { DriftDecision, DriftOptions, DriftSample } from './drift.ts';
export { BARRIER_DEFAULTS, BufferingBarrier } from './barrier.ts';
export type { BarrierOptions } from './barrier.ts';
export { LatencyEstimator } from './latency.ts';
export type { LatencyMemory, LatencyOptions } from './latency.ts';
export { committedState, nextChangeAt, steer } from './steer.ts';
export type { HoldAction, Preroll, Steer, SteerInput, VideoView } from './steer.ts';
export { formatTimecode, parseTimecode } from './format.ts';
export type { TimecodeOptions } from './format.ts';
export { frameCentre, frameIndex } from './frames.ts';
