// Runs `ecrsim batch` input lines (benches/gen-batch.py) through @cloud-copilot/iam-simulate's
// runSimulation, one line after the other, and reports lines/s and the decisions. Not part of
// the build or the tests: install the package outside the repository and point IAM_SIMULATE at
// its ESM entry (benches/README.md):
//
//   npm install --prefix /tmp/iamsim @cloud-copilot/iam-simulate
//   IAM_SIMULATE=/tmp/iamsim/node_modules/@cloud-copilot/iam-simulate/dist/esm/index.js \
//     node benches/iam-simulate/run.mjs target/batch-bench/with-policy.jsonl [--policy twelve.json] [--lines N]
//
// --policy FILE: the identity policy of request-only lines (as `ecrsim batch --identity-policy`).
// A request without a principal is made by arn:aws:iam::123456789012:user/dev (iam-simulate
// needs one); the resource account is taken from the ARN, else 123456789012.

import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
let file
let shared = null
let limit = Infinity
while (args.length) {
  const arg = args.shift()
  if (arg === '--policy') shared = JSON.parse(readFileSync(args.shift(), 'utf8'))
  else if (arg === '--lines') limit = Number(args.shift())
  else file = arg
}
if (!file) {
  console.error('usage: run.mjs LINES.jsonl [--policy FILE] [--lines N]')
  process.exit(2)
}
const entry = process.env.IAM_SIMULATE ?? '@cloud-copilot/iam-simulate'
const { runSimulation } = await import(entry.startsWith('/') ? pathToFileURL(entry).href : entry)

const DEFAULT_ACCOUNT = '123456789012'
const document = (p) => (typeof p === 'string' ? JSON.parse(p) : p)

function simulation(line) {
  const request = line.request
  const account = request.resource.split(':')[4] || request.resourceAccount || DEFAULT_ACCOUNT
  const identity = line.identityPolicies ?? (shared ? [shared] : [])
  const context = {}
  for (const [key, value] of Object.entries(request.context ?? {})) {
    context[key] = Array.isArray(value) ? value.map(String) : String(value)
  }
  return {
    request: {
      principal: request.principal ?? `arn:aws:iam::${DEFAULT_ACCOUNT}:user/dev`,
      action: request.action,
      resource: { resource: request.resource, accountId: account },
      contextVariables: context
    },
    identityPolicies: identity.map((p, i) => ({ name: `identityPolicies[${i}]`, policy: document(p) })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: line.resourcePolicy ? document(line.resourcePolicy) : undefined
  }
}

const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0)
const count = Math.min(lines.length, limit)
const tally = {}
const start = process.hrtime.bigint()
for (let i = 0; i < count; i++) {
  // Reading the line is part of the work, as for ecrsim.
  const result = await runSimulation(simulation(JSON.parse(lines[i])), {})
  const decision = result.resultType === 'error' ? 'Error' : result.overallResult
  tally[decision] = (tally[decision] ?? 0) + 1
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9
console.log(
  JSON.stringify({ lines: count, seconds: Number(seconds.toFixed(3)), linesPerSecond: Math.round(count / seconds), decisions: tally })
)
