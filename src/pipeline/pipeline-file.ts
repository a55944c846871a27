import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { ConflictError } from '../errors/index.js';
import { loadProjectFile, parseProjectFile, PROJECT_FILE } from '../project/index.js';
import { temporaryName } from '../util/index.js';
import { buildStageGraph, type StageGraph } from './stage-graph.js';
import { parseStage, parseStages } from './stage.js';

/** The pipeline dv.yaml declares: its stages, checked and ordered. */
export function loadPipeline(root: string): StageGraph {
  const project = loadProjectFile(root);
  return buildStageGraph(parseStages(project.sections.stages), root);
}

/** A stage as `dv run` declares it, before it is written to dv.yaml. */
export interface StageDeclaration {
  name: string;
  cmd: string;
  deps: string[];
  outs: string[];
  params: string[];
  metrics: string[];
}

/**
 * Adds (or with `force` replaces) a stage in dv.yaml, keeping the rest of the file as it
 * is. The whole pipeline with the new stage is validated first; the file is replaced
 * atomically only when it is valid. Returns the new graph.
 */
export function writeStage(root: string, decl: StageDeclaration, opts: { force?: boolean } = {}): StageGraph {
  const file = path.join(root, PROJECT_FILE);
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const doc = parseDocument(text);
  parseProjectFile(text, file); // refuse a malformed file before editing it
  const existing = doc.getIn(['stages', decl.name]);
  if (existing !== undefined && !opts.force) {
    throw new ConflictError(`stage ${decl.name} already exists in ${PROJECT_FILE}`, { data: { stage: decl.name }, hint: 'pick another name with -n, or pass --force to replace it' });
  }
  const body: Record<string, unknown> = { cmd: decl.cmd };
  if (decl.deps.length) body.deps = decl.deps;
  if (decl.outs.length) body.outs = decl.outs;
  if (decl.params.length) body.params = decl.params;
  if (decl.metrics.length) body.metrics = decl.metrics;
  parseStage(decl.name, body); // refuse a bad declaration with the stage's own message
  if (!doc.has('stages') || doc.get('stages') === null) doc.set('stages', doc.createNode({}));
  doc.setIn(['stages', decl.name], doc.createNode(body));
  const next = doc.toString();
  const graph = buildStageGraph(parseStages(parseProjectFile(next, file).sections.stages), root);
  const tmp = temporaryName(file, 0);
  fs.writeFileSync(tmp, next);
  fs.renameSync(tmp, file);
  return graph;
}
