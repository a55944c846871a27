/**
 * Data contracts: rules on tables declared in dv.yaml `contracts:`, checked streaming
 * against the working tree, the index or a commit; every failure is archived as an
 * incident (refs/incidents/). The commit gate and pipelines call checkContracts.
 */
export * from './contract-spec.js';
export * from './violation.js';
export * from './check-table.js';
export * from './check-table-split.js';
export * from './check-contracts.js';
export * from './explain.js';
export * from './incidents.js';
export * from './commit-gate.js';
