// The matrix questions of a synthetic snapshot (benches/gen-snapshot.py) asked of
// @cloud-copilot/iam-simulate the way its users would: one principal at a time, one
// runSimulation per (principal, repository, action), each given the principal's policies
// (inline, managed at their default version, AWS managed from engine/data), its boundary, the
// SCP levels of its account, the RCP levels of the repository's account and the repository
// policy. Reports the evaluations per second and the workflow decisions, for comparison with
// `ecrsim matrix --format csv` on the same slice (benches/README.md). Not part of the build or
// the tests:
//
//   npm install --prefix /tmp/iamsim @cloud-copilot/iam-simulate
//   IAM_SIMULATE=/tmp/iamsim/node_modules/@cloud-copilot/iam-simulate/dist/esm/index.js \
//     node benches/iam-simulate/matrix.mjs target/snapshot-bench --roles 100 --repositories 200 [--cells FILE]
//
// Only the shapes gen-snapshot.py writes are read (not a general snapshot loader): roles (no
// users), one organization file whose nodes list their SCPs (a missing list is FullAWSAccess),
// one Region. Tags become aws:PrincipalTag/… and aws:ResourceTag/… context keys, and
// aws:PrincipalOrgID is filled for the organization's accounts.

import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const args = process.argv.slice(2)
let dir
let maxRoles = Infinity
let maxRepositories = Infinity
let workflow = 'push'
let cellsFile = null
while (args.length) {
  const arg = args.shift()
  if (arg === '--roles') maxRoles = Number(args.shift())
  else if (arg === '--repositories') maxRepositories = Number(args.shift())
  else if (arg === '--workflow') workflow = args.shift()
  else if (arg === '--cells') cellsFile = args.shift()
  else dir = arg
}
if (!dir) {
  console.error('usage: matrix.mjs SNAPSHOT [--roles N] [--repositories M] [--workflow push|pull]')
  process.exit(2)
}
const entry = process.env.IAM_SIMULATE ?? '@cloud-copilot/iam-simulate'
const { runSimulation } = await import(entry.startsWith('/') ? pathToFileURL(entry).href : entry)

// The actions of ecrsim's workflows (engine/src/tools/workflow.rs).
const WORKFLOWS = {
  pull: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
  push: [
    'ecr:GetAuthorizationToken',
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage'
  ]
}
const actions = WORKFLOWS[workflow]
const json = (file) => JSON.parse(readFileSync(file, 'utf8'))
const here = new URL('.', import.meta.url).pathname

// AWS managed policies, as ecrsim bundles them.
const awsManaged = new Map()
for (const line of readFileSync(join(here, '../../engine/data/managed-policies.txt'), 'utf8').split('\n')) {
  const fields = line.split('\t')
  if (fields[0] === 'P') awsManaged.set(fields[3], JSON.parse(fields[4]))
}

// IAM: roles and customer managed policies, from every account folder.
const roles = []
const managed = new Map()
for (const account of readdirSync(dir)) {
  if (account === 'organization') continue
  for (const file of readdirSync(join(dir, account)).sort()) {
    if (!file.startsWith('iam-page-')) continue
    const page = json(join(dir, account, file))
    for (const role of page.RoleDetailList ?? []) roles.push(role)
    for (const policy of page.Policies ?? []) {
      const version = policy.PolicyVersionList.find((v) => v.IsDefaultVersion)
      managed.set(policy.Arn, version.Document)
    }
  }
}
const documentOf = (arn) => managed.get(arn) ?? awsManaged.get(arn)

// ECR: repositories, their policies and tags.
const prod = join(dir, 'prod')
const repositories = json(join(prod, 'repositories.json')).repositories
const repositoryPolicy = new Map()
for (const file of readdirSync(prod)) {
  if (!file.startsWith('repository-policy-')) continue
  const p = json(join(prod, file))
  repositoryPolicy.set(p.repositoryName, JSON.parse(p.policyText))
}
const resourceTags = new Map()
for (const m of json(join(prod, 'tagged-repositories.json')).ResourceTagMappingList) {
  resourceTags.set(m.ResourceARN, m.Tags)
}

// The organization: the path of each account, root first.
const org = json(join(dir, 'organization', 'org.json'))
const FULL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }
const orgPolicy = (name) =>
  name === 'FullAWSAccess' ? FULL : JSON.parse(json(join(dir, 'organization', name)).Policy.Content)
const paths = new Map()
function walk(node, path) {
  const here = [...path, node]
  for (const a of node.accounts ?? []) paths.set(typeof a === 'string' ? a : a.id, here)
  for (const ou of node.ous ?? []) walk(ou, here)
}
walk(org.root, [])
function scps(account) {
  const path = paths.get(account) ?? []
  const levels = path.map((node) => ({
    orgIdentifier: node.id,
    policies: (node.policies?.scps ?? ['FullAWSAccess']).map((n) => ({ name: n, policy: orgPolicy(n) }))
  }))
  // The account's own level: FullAWSAccess unless the file says otherwise.
  if (path.length) levels.push({ orgIdentifier: account, policies: [{ name: 'FullAWSAccess', policy: FULL }] })
  return account === org.managementAccount ? [] : levels
}
function rcps(account) {
  const path = paths.get(account) ?? []
  return path
    .filter((node) => node.policies?.rcps?.length)
    .map((node) => ({
      orgIdentifier: node.id,
      policies: node.policies.rcps.map((n) => ({ name: n, policy: orgPolicy(n) }))
    }))
}

const slice = roles.slice(0, maxRoles)
const repos = repositories.slice(0, maxRepositories)
let evaluations = 0
const tally = {}
const cells = []
const start = process.hrtime.bigint()
for (const role of slice) {
  // One principal at a time, as the online simulate-principal-policy is used.
  const account = role.Arn.split(':')[4]
  const identityPolicies = [
    ...role.RolePolicyList.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
    ...role.AttachedManagedPolicies.map((p) => ({ name: p.PolicyName, policy: documentOf(p.PolicyArn) }))
  ]
  const boundary = role.PermissionsBoundary
    ? [{ name: 'boundary', policy: documentOf(role.PermissionsBoundary.PermissionsBoundaryArn) }]
    : undefined
  const principalTags = Object.fromEntries(role.Tags.map((t) => [`aws:PrincipalTag/${t.Key}`, t.Value]))
  for (const repository of repos) {
    const arn = repository.repositoryArn
    const resourceAccount = arn.split(':')[4]
    const context = { ...principalTags, 'aws:RequestedRegion': arn.split(':')[3] }
    if (paths.has(account)) context['aws:PrincipalOrgID'] = org.id
    for (const t of resourceTags.get(arn) ?? []) context[`aws:ResourceTag/${t.Key}`] = t.Value
    let verdict = 'Allowed'
    for (const action of actions) {
      const onStar = action === 'ecr:GetAuthorizationToken'
      const result = await runSimulation(
        {
          request: {
            principal: role.Arn,
            action,
            resource: { resource: onStar ? '*' : arn, accountId: onStar ? account : resourceAccount },
            contextVariables: context
          },
          identityPolicies,
          serviceControlPolicies: scps(account),
          resourceControlPolicies: onStar ? [] : rcps(resourceAccount),
          resourcePolicy: onStar ? undefined : repositoryPolicy.get(repository.repositoryName),
          permissionBoundaryPolicies: boundary
        },
        {}
      )
      evaluations++
      const decision = result.resultType === 'error' ? 'Error' : result.overallResult
      if (decision === 'ExplicitlyDenied') verdict = 'ExplicitlyDenied'
      else if (decision !== 'Allowed' && verdict === 'Allowed') verdict = decision
    }
    tally[verdict] = (tally[verdict] ?? 0) + 1
    cells.push(`${role.Arn},${arn},${verdict}`)
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9
// --cells FILE: `principal,repository,verdict` lines, to compare with `ecrsim matrix --format csv`.
if (cellsFile) writeFileSync(cellsFile, cells.join('\n') + '\n')
console.log(
  JSON.stringify({
    roles: slice.length,
    repositories: repos.length,
    workflow,
    evaluations,
    seconds: Number(seconds.toFixed(3)),
    evaluationsPerSecond: Math.round(evaluations / seconds),
    cells: tally
  })
)
