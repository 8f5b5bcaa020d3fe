#!/usr/bin/env bash
# Collects a snapshot for `ecrsim check --snapshot DIR`, `who-can` and `can-what`
# (docs/snapshot.md): the unmodified outputs of read-only AWS CLI commands, one folder per account.
#
#   scripts/collect-snapshot.sh [--region REGION] [--org] DIR
#
# Run it once per account (e.g. `AWS_PROFILE=prod scripts/collect-snapshot.sh snap/`): the account's
# outputs go to DIR/ACCOUNT_ID/. With --org (from the organization's management account, or a
# delegated administrator), it also writes DIR/organization/org.json (docs/organization.md) and
# the `describe-policy` output of every SCP and RCP attached to the root, an OU or an account.
# Needs the AWS CLI v2 and read-only permissions (iam:GetAccountAuthorizationDetails,
# ecr:Describe*/Get*/List*, organizations:Describe*/List*); --org also needs jq, to write org.json.
set -euo pipefail

region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
org=false
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --region) region="$2"; shift 2 ;;
    --org) org=true; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "collect-snapshot: unknown option $1" >&2; exit 2 ;;
    *) dir="$1"; shift ;;
  esac
done
if [ -z "$dir" ]; then
  echo "usage: collect-snapshot.sh [--region REGION] [--org] DIR" >&2
  exit 2
fi
if [ -z "$region" ]; then
  region="$(aws configure get region || true)"
fi
if [ -z "$region" ]; then
  echo "collect-snapshot: no Region: give --region (a snapshot holds one Region's registries)" >&2
  exit 2
fi

# Runs a command into FILE; an error naming NOT_FOUND means "none" (no file), any other stops.
optional() {
  local file="$1" not_found="$2" err
  shift 2
  err="$(mktemp)"
  if "$@" > "$file" 2> "$err"; then
    rm -f "$err"
    return
  fi
  rm -f "$file"
  if grep -q "$not_found" "$err"; then
    rm -f "$err"
    return
  fi
  cat "$err" >&2
  rm -f "$err"
  echo "collect-snapshot: failed: $*" >&2
  exit 1
}

account="$(aws sts get-caller-identity --query Account --output text)"
out="$dir/$account"
mkdir -p "$out"
echo "collect-snapshot: account $account, Region $region -> $out" >&2

# IAM: every user, group, role and managed policy (the CLI merges the pages).
aws iam get-account-authorization-details > "$out/iam.json"

# ECR: repositories, their policies and tags; the registry policy and its scope.
aws ecr describe-repositories --region "$region" > "$out/repositories.json"
names="$(aws ecr describe-repositories --region "$region" --query 'repositories[].repositoryName' --output text)"
for name in $names; do
  file="$(printf '%s' "$name" | tr '/' '+')"
  # A repository without a policy answers RepositoryPolicyNotFoundException: no file then.
  # Any other error (access denied) stops the collection: a missing policy must not pass unseen.
  optional "$out/repository-policy.$file.json" RepositoryPolicyNotFoundException \
    aws ecr get-repository-policy --region "$region" --repository-name "$name"
  arn="arn:aws:ecr:$region:$account:repository/$name"
  aws ecr list-tags-for-resource --region "$region" --resource-arn "$arn" > "$out/$file.tags.json"
done
optional "$out/registry-policy.json" RegistryPolicyNotFoundException \
  aws ecr get-registry-policy --region "$region"
aws ecr get-account-setting --region "$region" --name REGISTRY_POLICY_SCOPE > "$out/registry-policy-scope.json"

if [ "$org" != true ]; then
  exit 0
fi

# Organizations: the tree (root, OUs, accounts) and the policies attached along it. The list
# outputs do not name the parent they were asked about, so the tree is written as an
# organization file (docs/organization.md) beside the unmodified describe-policy outputs.
command -v jq > /dev/null || { echo "collect-snapshot: --org needs jq" >&2; exit 2; }
orgdir="$dir/organization"
mkdir -p "$orgdir/policies"
org_id="$(aws organizations describe-organization --query Organization.Id --output text)"
management="$(aws organizations describe-organization --query Organization.MasterAccountId --output text)"

# The policies attached to a target, as a JSON array for org.json.
policies() {
  local target="$1" filter="$2" ids id list='[]'
  if ! ids="$(aws organizations list-policies-for-target --target-id "$target" --filter "$filter" --query 'Policies[].Id' --output text 2>/dev/null)"; then
    echo '[]'  # the policy type is not enabled
    return
  fi
  for id in $ids; do
    case "$id" in
      p-FullAWSAccess) list="$(jq -c '. + ["FullAWSAccess"]' <<< "$list")" ;;
      p-RCPFullAWSAccess) list="$(jq -c '. + ["RCPFullAWSAccess"]' <<< "$list")" ;;
      *)
        [ -f "$orgdir/policies/$id.json" ] || aws organizations describe-policy --policy-id "$id" > "$orgdir/policies/$id.json"
        list="$(jq -c --arg f "policies/$id.json" '. + [$f]' <<< "$list")"
        ;;
    esac
  done
  echo "$list"
}

# The `policies` object of a node: SCPs always (AWS keeps one attached), RCPs when any.
node_policies() {
  local scps rcps
  scps="$(policies "$1" SERVICE_CONTROL_POLICY)"
  rcps="$(policies "$1" RESOURCE_CONTROL_POLICY)"
  jq -cn --argjson s "$scps" --argjson r "$rcps" \
    '(if ($s | length) > 0 then {scps: $s} else {} end) + (if ($r | length) > 0 then {rcps: $r} else {} end)'
}

# A root or OU, with its OUs and accounts.
node() {
  local id="$1" name="$2" ous='[]' accounts='[]' child child_name acct
  while read -r child child_name; do
    [ -n "$child" ] || continue
    ous="$(jq -c --argjson n "$(node "$child" "$child_name")" '. + [$n]' <<< "$ous")"
  done < <(aws organizations list-organizational-units-for-parent --parent-id "$id" --query 'OrganizationalUnits[].[Id,Name]' --output text)
  for acct in $(aws organizations list-accounts-for-parent --parent-id "$id" --query 'Accounts[].Id' --output text); do
    accounts="$(jq -c --arg a "$acct" --argjson p "$(node_policies "$acct")" '. + [{id: $a, policies: $p}]' <<< "$accounts")"
  done
  jq -cn --arg id "$id" --arg name "$name" --argjson p "$(node_policies "$id")" \
    --argjson ous "$ous" --argjson accounts "$accounts" \
    '{id: $id} + (if $name == "" then {} else {name: $name} end) + {policies: $p, ous: $ous, accounts: $accounts}'
}

root="$(aws organizations list-roots --query 'Roots[0].Id' --output text)"
jq -n --arg id "$org_id" --arg m "$management" --argjson root "$(node "$root" "")" \
  '{id: $id, managementAccount: $m, root: $root}' > "$orgdir/org.json"
echo "collect-snapshot: organization $org_id -> $orgdir/org.json" >&2
