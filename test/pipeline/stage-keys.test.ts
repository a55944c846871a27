import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProjectFile } from '../../src/project/index.js';
import { buildStageGraph, parseStages, selectStages } from '../../src/pipeline/index.js';
import { dvOk, tmpDir, writeFiles } from '../helpers.js';
import { dvJson, makeProject } from './fixture.js';

test("dv.yaml stages read DVC's keys as DVC writes them", () => {
  const yaml = `stages:
  prepare:
    desc: split the raw data
    cmd:
      - mkdir -p data/prepared
      - node src/prepare.mjs
    deps:
      - src/prepare.mjs
      - data/raw
    params:
      - prepare.split
      - train.yaml:
          - lr
          - model.depth
    outs:
      - data/prepared:
          cache: true
          persist: false
    metrics:
      - metrics/prepare.json:
          cache: false
  train:
    cmd: python train.py
    deps: [data/prepared/train.csv]
    outs: [model.pkl]
    env: [CUDA_VISIBLE_DEVICES]
    image: ghcr.io/acme/train@sha256:0123
`;
  const stages = parseStages(parseProjectFile(yaml).sections.stages);
  const [prepare, train] = stages;
  assert.equal(prepare!.cmd, 'mkdir -p data/prepared && node src/prepare.mjs');
  assert.deepEqual(prepare!.deps, ['src/prepare.mjs', 'data/raw']);
  assert.deepEqual(prepare!.outs, ['data/prepared', 'metrics/prepare.json']);
  assert.deepEqual(prepare!.metrics, ['metrics/prepare.json']);
  assert.deepEqual(prepare!.params, [
    { file: 'params.yaml', key: 'prepare.split' }, { file: 'train.yaml', key: 'lr' }, { file: 'train.yaml', key: 'model.depth' },
  ]);
  assert.deepEqual(train!.env, ['CUDA_VISIBLE_DEVICES']);
  assert.equal(train!.image, 'ghcr.io/acme/train@sha256:0123');
  // train reads a file inside prepare's output directory: it depends on prepare.
  const root = tmpDir();
  writeFiles(root, { 'src/prepare.mjs': '', 'data/raw/a.csv': '' });
  // Declared downstream first: the order still puts prepare before train.
  const graph = buildStageGraph([train!, prepare!], root);
  assert.deepEqual(graph.order.map((s) => s.name), ['prepare', 'train']);
  assert.deepEqual(graph.upstream.get('train'), ['prepare']);
  assert.deepEqual(selectStages(graph, ['train']).map((s) => s.name), ['prepare', 'train']);
  assert.deepEqual(selectStages(graph, ['prepare']).map((s) => s.name), ['prepare']);
});

test('stage keys are validated with the stage and key named', () => {
  const bad = (yaml: string, re: RegExp) => assert.throws(() => parseStages(parseProjectFile(yaml).sections.stages), re);
  bad('stages: [a]\n', /stages must be a map/);
  bad('stages:\n  "bad name":\n    cmd: x\n', /invalid stage name "bad name"/);
  bad('stages:\n  a:\n    cmd: x\n    deps: data/a\n', /stage a deps must be a list of paths/);
  bad('stages:\n  a:\n    cmd: x\n    outs: [../up]\n', /stage a outs path escapes the repository/);
  bad('stages:\n  a:\n    cmd: x\n    outs: [/abs]\n', /absolute path not allowed/);
  bad('stages:\n  a:\n    cmd: x\n    outs: [o, o]\n', /lists the same output twice/);
  bad('stages:\n  a:\n    cmd: x\n    env: [not-a-name]\n', /is not an environment variable name/);
  bad('stages:\n  a:\n    cmd: x\n    foreach: d\n    outs: [o, p]\n', /exactly one output/);
  bad('stages:\n  a:\n    cmd: x\n    foreach: d\n    map: {input: f, key: id}\n    outs: [o]\n', /map takes no `input` with `foreach` \(each partition file is the input\)/);
  bad('stages:\n  a:\n    cmd: x\n    foreach: d\n    map: {}\n    outs: [o]\n', /map\.key must be a non-empty string/);
  bad('stages:\n  a:\n    cmd: x\n    map: {key: id}\n    outs: [o]\n', /map\.input must be a path/);
  // foreach with map: each partition file is a keyed input.
  assert.deepEqual(parseStages(parseProjectFile('stages:\n  a:\n    cmd: x\n    foreach: d\n    map: {key: id}\n    outs: [o]\n').sections.stages)[0]!.map, { input: null, key: 'id' });
  bad('stages:\n  a:\n    cmd: x\n    map: {input: f}\n    outs: [o]\n', /map\.key must be a non-empty string/);
});

test('run records keep the declared image and the chosen environment variables', () => {
  const dir = makeProject({
    'dv.yaml': 'stages:\n  w:\n    cmd: node -e "require(\'fs\').writeFileSync(\'data/o.txt\', process.env.MODE)"\n    outs: [data/o.txt]\n    env: [MODE, UNSET_VAR]\n    image: registry.example/etl@sha256:abcd\n',
  });
  const r = dvJson(dir, ['repro'], { MODE: 'fast' });
  const rec = dvJson(dir, ['show', r.stages[0].run]).record;
  assert.deepEqual(rec.env.vars, { MODE: 'fast' });
  assert.equal(rec.env.image, 'registry.example/etl@sha256:abcd');
  assert.equal(rec.env.lockHash, null);
  assert.match(dvOk(dir, ['status']), /nothing to commit|Changes to be committed/);
});
