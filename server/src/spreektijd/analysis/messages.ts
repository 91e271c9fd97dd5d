/**
 * Messages between the server and the analysis process (IPC), and between that process and its
 * voice-activity thread. Discriminated unions, handled with exhaustive switches.
 */
import type { AnalysisFailure, AnalysisStage, Turn } from '../../../../shared/spreektijd/types.ts';

export interface AnalysisJob {
  /** Absolute path of the recording. */
  input: string;
  ffmpegPath: string;
  speakers: 'auto' | 1 | 2 | 3;
  /** Longest audio decoded before giving up with `too_long`. */
  maxSeconds: number;
}

export type ToAnalysis = { type: 'start'; job: AnalysisJob };

/** What a finished analysis measured besides the turns (logged, and printed by the benchmark). */
export interface AnalysisFacts {
  audioSeconds: number;
  speechSeconds: number;
  speakers: number;
  purity: Record<number, number>;
  /** Largest resident memory of the analysis process, MiB. */
  peakRssMb: number;
  /** Seconds per step, wall clock inside the analysis process. */
  timing: { decode: number; voices: number; features: number; speakers: number; total: number };
}

export type FromAnalysis =
  | { type: 'progress'; stage: AnalysisStage; percent: number }
  | { type: 'done'; turns: Turn[]; speakers: number; facts: AnalysisFacts }
  | { type: 'failed'; reason: AnalysisFailure; detail: string };

/** `stop`: the analysis ended early; release the model and exit. */
export type ToVadThread = { type: 'decoded'; samples: number } | { type: 'stop' };

export type FromVadThread =
  | { type: 'progress'; fraction: number }
  /** `seconds`: how long the model ran. */
  | { type: 'done'; probabilities: Float32Array; seconds: number }
  | { type: 'failed'; detail: string };

/** Indexes of the counters the decoder shares with the feature thread (an Int32Array). */
export const DECODED = 0;
export const FINISHED = 1;

export type FromFeatureThread =
  | { type: 'progress'; frames: number }
  | { type: 'done'; frames: number; mfcc: Float32Array; logPitch: Float32Array; seconds: number };
