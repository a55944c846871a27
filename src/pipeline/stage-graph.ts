import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import { isUnder, type RepoPath } from '../util/index.js';
import type { Stage } from './stage.js';

/** Stages in dependency order, with each stage's upstream stages. */
export interface StageGraph {
  /** Every stage, upstream before downstream (declaration order among independent stages). */
  order: Stage[];
  byName: Map<string, Stage>;
  /** Stage name → names of the stages whose outputs it depends on. */
  upstream: Map<string, string[]>;
}

/** Every input path of a stage: deps, the partitioned directory, the mapped input. */
export function stageInputs(stage: Stage): RepoPath[] {
  return [...stage.deps, ...(stage.foreach ? [stage.foreach] : []), ...(stage.map?.input ? [stage.map.input] : [])];
}

const overlaps = (a: string, b: string) => isUnder(a, b) || isUnder(b, a);

/**
 * Links stages through their paths (a dep at, above or below another stage's output
 * depends on that stage) and refuses, before anything runs: two stages claiming one
 * output, an output that is also one of its own stage's deps, a dep that neither exists
 * under `root` nor is produced by a stage, and cycles.
 */
export function buildStageGraph(stages: Stage[], root: string): StageGraph {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const owners: Array<{ out: RepoPath; stage: string }> = [];
  for (const s of stages) {
    for (const out of s.outs) {
      const clash = owners.find((o) => overlaps(o.out, out));
      if (clash) {
        const same = clash.stage === s.name;
        throw new InvalidInputError(
          same ? `dv.yaml: stage ${s.name} lists overlapping outputs '${clash.out}' and '${out}'`
            : `dv.yaml: output '${out}' of stage ${s.name} is also claimed by stage ${clash.stage} ('${clash.out}')`,
          { data: { stage: s.name, other: clash.stage, path: out }, hint: 'each output belongs to exactly one stage' },
        );
      }
      owners.push({ out, stage: s.name });
    }
  }
  const upstream = new Map<string, string[]>();
  for (const s of stages) {
    const ups = new Set<string>();
    for (const dep of stageInputs(s)) {
      const producers = owners.filter((o) => overlaps(o.out, dep));
      for (const p of producers) {
        if (p.stage === s.name) {
          throw new InvalidInputError(`dv.yaml: stage ${s.name}: output '${p.out}' overlaps its own dependency '${dep}'`, {
            data: { stage: s.name, path: p.out }, hint: 'a stage cannot write inside what it reads; write to a separate path',
          });
        }
        ups.add(p.stage);
      }
      if (producers.length === 0 && !fs.existsSync(path.join(root, dep))) {
        throw new InvalidInputError(`dv.yaml: stage ${s.name}: dependency '${dep}' does not exist and no stage produces it`, {
          data: { stage: s.name, path: dep }, hint: `create ${dep}, or add a stage whose outs include it`,
        });
      }
    }
    upstream.set(s.name, [...ups]);
  }
  return { order: topoOrder(stages, upstream), byName, upstream };
}

function topoOrder(stages: Stage[], upstream: Map<string, string[]>): Stage[] {
  const state = new Map<string, 'visiting' | 'done'>();
  const order: Stage[] = [];
  const byName = new Map(stages.map((s) => [s.name, s]));
  const visit = (name: string, trail: string[]) => {
    const st = state.get(name);
    if (st === 'done') return;
    if (st === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      throw new InvalidInputError(`dv.yaml: stages form a cycle: ${cycle.join(' -> ')}`, {
        data: { cycle }, hint: 'a stage cannot depend, directly or not, on its own outputs',
      });
    }
    state.set(name, 'visiting');
    for (const up of upstream.get(name) ?? []) visit(up, [...trail, name]);
    state.set(name, 'done');
    order.push(byName.get(name)!);
  };
  for (const s of stages) visit(s.name, []);
  return order;
}

/** The named stages and everything upstream of them, in dependency order (all stages when none named). */
export function selectStages(graph: StageGraph, names: string[]): Stage[] {
  if (names.length === 0) return graph.order;
  const wanted = new Set<string>();
  const add = (n: string) => {
    if (wanted.has(n)) return;
    wanted.add(n);
    for (const up of graph.upstream.get(n) ?? []) add(up);
  };
  for (const n of names) {
    if (!graph.byName.has(n)) {
      throw new NotFoundError(`no stage named ${n} in dv.yaml`, {
        data: { stage: n }, hint: graph.order.length ? `the stages are ${graph.order.map((s) => s.name).join(', ')}` : 'dv.yaml declares no stages',
      });
    }
    add(n);
  }
  return graph.order.filter((s) => wanted.has(s.name));
}
