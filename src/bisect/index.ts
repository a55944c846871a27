/**
 * Bisect: binary search over the commit graph for the commit that broke something.
 * `planBisect` is the pure search (git's rule: test the candidate that halves what is
 * left, merges included); `bisect.ts` applies each plan by checking the commit out and
 * keeps the state in config (`bisect.state`); `runBisect` automates it with a test command.
 */
export * from './plan-bisect.js';
export * from './load-graph.js';
export * from './bisect-state.js';
export * from './first-bad.js';
export * from './bisect.js';
export * from './bisect-run.js';
