#!/usr/bin/env bash
# The oldest aws-cdk-lib the package allows (its peer dependency's floor), as a user on it meets
# the package: the npm tarball of `npm run package` installed with that aws-cdk-lib into a fresh
# app (npm refuses a floor the peer range does not allow), the example app type-checked against it
# (strict, as `cdk init` writes tsconfig) and synthesized, and that synthesis deployed and deleted
# on the local cloud: the Provider framework code that runs is that version's, from its asset.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

floor=$(node -p 'require("./package.json").peerDependencies["aws-cdk-lib"].replace(/^\^/, "")')
tarball=$(ls "$repo"/dist/js/*.jsii.tgz 2>/dev/null) || { echo "no npm tarball in dist/js: run 'npm run package' first" >&2; exit 1; }
pinned() { node -p "require('$1/package.json').version"; }
peers="aws-cdk-lib@$floor constructs@$(pinned constructs) @types/node@$(pinned @types/node)"

app_dir=$(mktemp -d)
# Under this repository: the framework's code, run from its asset, finds the AWS SDK clients it
# expects from the Lambda runtime in this repository's node_modules.
mkdir -p cdk.out
assembly=$(mktemp -d "$repo/cdk.out/floor-XXXXXX")
trap 'rm -rf "$app_dir" "$assembly"' EXIT

echo "aws-cdk-lib $floor (the floor of peerDependencies), in a fresh app"
(cd "$app_dir" && npm init -y >/dev/null &&
  # shellcheck disable=SC2086 # three package specs
  npm install --prefer-offline --no-audit --no-fund "$tarball" $peers >install.log 2>&1) || { cat "$app_dir/install.log"; exit 1; }
installed=$(cd "$app_dir" && node -p 'require("aws-cdk-lib/package.json").version')
[ "$installed" = "$floor" ] || { echo "installed aws-cdk-lib $installed, not $floor" >&2; exit 1; }

# The example as a user's app: the same code, importing the package by its name.
sed "s#from '../lib'#from 'cdk-emr-serverless-session'#" examples/app.ts >"$app_dir/app.ts"
cat >"$app_dir/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["es2022"],
    "strict": true, "noImplicitAny": true, "outDir": "out", "types": ["node"]
  },
  "include": ["app.ts"]
}
JSON
node node_modules/typescript/bin/tsc -p "$app_dir"
(cd "$app_dir" && CDK_OUTDIR="$assembly" node out/app.js)
grep -q '"Custom::EmrServerlessSession"' "$assembly/EmrServerlessSessionExample.template.json"
# The construct tree names the aws-cdk-lib that built each construct, the Provider's included.
grep -q "\"version\":\"$floor\"" "$assembly/tree.json" || { echo "the assembly was not built by aws-cdk-lib $floor" >&2; exit 1; }
echo "type-checked and synthesized the example app on aws-cdk-lib $floor"

npx tsx scripts/deploy-local.ts --assembly "$assembly"
npx tsx scripts/deploy-local.ts --assembly "$assembly" --scenario fail-to-start
echo "the example's lifecycle and a failed start ran through aws-cdk-lib $floor's Provider framework"
