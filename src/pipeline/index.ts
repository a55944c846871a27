/**
 * Pipelines: dv.yaml stages (DVC's keys), the stage graph, run records, the run cache
 * (with its output cache of files for fast restores), and the operations on them:
 * run/repro (in dependency order, one at a time per repository, skipping or restoring
 * what the cache answers), status of stages, replay of a commit's recorded runs, and
 * incremental regeneration (per-file partitions, row-wise maps over keyed tables).
 */
export * from './stage.js';
export * from './stage-graph.js';
export * from './params.js';
export * from './pipeline-file.js';
export * from './run-record.js';
export * from './run-cache.js';
export * from './output-cache.js';
export * from './prune-output-cache.js';
export * from './pipeline-lock.js';
export * from './run-context.js';
export * from './run-stage.js';
export * from './repro.js';
export * from './stage-status.js';
export * from './commit-runs.js';
export * from './replay.js';
