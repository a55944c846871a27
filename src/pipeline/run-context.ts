import type { Oid } from '../hash/index.js';
import type { CodeVersion } from '../provenance/index.js';
import type { Repository } from '../repo/index.js';
import type { Stage } from './stage.js';

/** What every stage of one repro shares. */
export interface RunContext {
  repo: Repository;
  root: string;
  /** The enclosing git repository's code version, read once per repro (null outside git). */
  code: CodeVersion | null;
  /** The git repository root, for lockfiles; null outside git. */
  gitRoot: string | null;
  /** DV_SEED handed to every command, or null. */
  seed: string | null;
  /** Run even when the run cache has an answer. */
  force: boolean;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /** Called before each stage runs (or is restored); throwing stops the repro before the stage. */
  beforeStage?: (stage: Stage, ctx: { repo: Repository; inputs: string[] }) => Promise<void> | void;
}

/** What happened to one stage (or one partition of a `foreach` stage). */
export interface StageOutcome {
  stage: string;
  partition?: string;
  /** ran: executed now; restored: outputs taken from the run cache; up-to-date: nothing to do; failed / interrupted: stopped. */
  status: 'ran' | 'restored' | 'up-to-date' | 'failed' | 'interrupted';
  /** The run record that produced (or failed to produce) the outputs. */
  run: Oid | null;
  exit?: number | null;
  signal?: string | null;
  stderrTail?: string;
  /** Why the stage failed when the command itself did not (a missing output). */
  reason?: string;
  ms: number;
  /** For a restored stage or partition: files written, and how many came from the output cache. */
  restore?: { files: number; fromOutputCache: number };
  /** For `foreach` and `map` stages: per-partition outcomes / delta sizes. */
  partitions?: StageOutcome[];
  delta?: { fed: number; dropped: number; total: number };
  verified?: boolean;
}
