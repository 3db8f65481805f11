#!/usr/bin/env node
// Neo4j 5 validity check for the saved queries: runs Neo4j's own parser and semantic analysis
// (lintCypherQuery from @neo4j-cypher/language-support) offline over each .cypher file.
//
//   node tools/cypher-lint/lint.mjs [--json] FILE.cypher...
//
// The whole file is linted (the `//` header is a Cypher comment), so positions are the file's own
// lines. Labels, relationship types and property keys come from graph/model.yaml; functions and
// procedures are Neo4j 5's built-in list shipped with the package; declared `// param:` lines and the
// reserved access params are given as parameters with a value of their type. Prints
// `FILE:LINE:COL: error|warning: message` and exits 1 when any file has an error, 2 on bad usage.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const here = dirname(fileURLToPath(import.meta.url));
const SAMPLE = { string: '', int: 1, float: 0.5, bool: true, date: '2025-01-01', list: [] };
const RESERVED = { access_sources: [], access_personal: true, access_sealed: false, access_opt_out: false, today: '2025-01-01' };

function modelSchema() {
  // graph/model.yaml is simple enough to read by indentation: `nodes:` / `relationships:` blocks with
  // two-space names and `properties:` maps below them. No YAML dependency needed.
  const path = resolve(here, '..', '..', 'graph', 'model.yaml');
  const labels = new Set(), types = new Set(), props = new Set(['load_id']);
  let section = null, inProps = false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^\S/.test(line)) { section = line.split(':')[0]; inProps = false; continue; }
    let m = /^ {2}([A-Za-z_][A-Za-z0-9_]*):/.exec(line);
    if (m) {
      (section === 'nodes' ? labels : section === 'relationships' ? types : new Set()).add(m[1]);
      inProps = false;
      continue;
    }
    if (/^ {4}properties:/.test(line)) { inProps = true; continue; }
    if (/^ {4}source:\s*true/.test(line)) { props.add('source_system'); props.add('record_id'); }
    m = /^ {6}([A-Za-z_][A-Za-z0-9_]*):/.exec(line);
    if (m && inProps) props.add(m[1]);
    else if (/^ {4}\S/.test(line)) inProps = false;
  }
  return { labels: [...labels], relationshipTypes: [...types], propertyKeys: [...props] };
}

function declaredParams(text) {
  const params = { ...RESERVED };
  for (const line of text.split('\n')) {
    if (!line.startsWith('//')) break;
    const m = /^\/\/\s*param:\s*([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z]+)/.exec(line);
    if (m) params[m[1]] = m[2] in SAMPLE ? SAMPLE[m[2]] : '';
  }
  return params;
}

const args = process.argv.slice(2);
const asJson = args[0] === '--json';
const files = asJson ? args.slice(1) : args;
if (!files.length) {
  console.error('usage: node lint.mjs [--json] FILE.cypher...');
  process.exit(2);
}
const base = modelSchema();
const builtins = testData.mockSchema;
const report = [];
let errors = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    report.push({ file, diagnostics: [{ severity: 'error', line: 0, column: 0, message: `cannot read: ${e.message}` }] });
    errors++;
    continue;
  }
  const schema = { ...base, functions: builtins.functions, procedures: builtins.procedures,
                   parameters: declaredParams(text) };
  let diagnostics;
  try {
    diagnostics = lintCypherQuery(text, schema).diagnostics;
  } catch (e) {
    diagnostics = [{ severity: 1, message: `linter crashed: ${e.message}`, range: { start: { line: 0, character: 0 } } }];
  }
  const out = diagnostics.map((d) => ({
    severity: d.severity === 1 ? 'error' : 'warning',
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    message: d.message.replace(/\s+/g, ' ').trim(),
  }));
  errors += out.filter((d) => d.severity === 'error').length;
  report.push({ file, diagnostics: out });
}
if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const r of report) for (const d of r.diagnostics) console.log(`${r.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
  console.error(`${files.length} file(s) linted, ${errors} error(s)`);
}
process.exit(errors ? 1 : 0);

