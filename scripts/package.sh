#!/usr/bin/env bash
# `npm run package`: the publishable artifacts. The jsii assembly (.jsii), its snippets compiled by
# jsii-rosetta, the npm tarball (with the handler bundle and API.md inside) and a Python wheel, in dist/.
#
# jsii-pacmak's default Python build installs its tools from PyPI; this builds the Python sources
# offline (--code-only) and the wheel with Debian's system Python, which ships setuptools and wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# jsii compiles in place, next to the sources; tsx and the CDK CLI would then load that JS instead of
# the TypeScript. Keep it only while packaging.
remove_compiled() { rm -f lib/*.js lib/*.d.ts lambda/shared/*.js lambda/shared/*.d.ts; }
trap remove_compiled EXIT

npm run bundle
npx jsii --generate-tsconfig tsconfig.jsii.json
# Every TypeScript snippet of the README and every @example must compile against the assembly,
# with the fixtures in rosetta/ (what a snippet may assume).
npx jsii-rosetta extract --strict .jsii
# API.md ships as committed: the jest gate test/api-reference.test.ts checks it is current (npm run docs).
rm -rf dist dist-code
npx jsii-pacmak --targets js --outdir dist
node scripts/published-manifest.mjs dist/js/*.jsii.tgz

python=/usr/bin/python3
if ! "$python" -c 'import setuptools, wheel' 2>/dev/null; then
  echo "the Python wheel needs Debian's python3-setuptools and python3-wheel: apt-get install python3-setuptools python3-wheel" >&2
  exit 1
fi
npx jsii-pacmak --targets python --code-only --outdir dist-code
# The wheel embeds the npm tarball: the one users get, with the published manifest.
cp dist/js/*.jsii.tgz dist-code/python/src/cdk_emr_serverless_session/_jsii/
(cd dist-code/python && PYENV_VERSION=system "$python" -m pip wheel --quiet --no-build-isolation --no-deps --no-index --wheel-dir ../../dist/python .)

# PyPI is out of reach, so the wheel cannot be installed here; check at least that its Python compiles.
wheel_dir=$(mktemp -d)
(cd "$wheel_dir" && "$python" -m zipfile -e "$OLDPWD"/dist/python/*.whl . && "$python" -m compileall -q .)
rm -rf "$wheel_dir"

# The tarball as a user installs it, into a fresh app (tarballs from the cache npm ci filled):
# npm must print no warning about this package.
app_dir=$(mktemp -d)
tarball=$(ls "$PWD"/dist/js/*.jsii.tgz)
peers="aws-cdk-lib@$(node -p 'require("aws-cdk-lib/package.json").version') constructs@$(node -p 'require("constructs/package.json").version')"
# shellcheck disable=SC2086 # two package specs
(cd "$app_dir" && npm init -y >/dev/null && npm install --prefer-offline --no-audit --no-fund "$tarball" $peers >install.log 2>&1) ||
  { cat "$app_dir/install.log"; exit 1; }
if grep -i 'warn' "$app_dir/install.log" | grep -q 'cdk-emr-serverless-session'; then
  echo 'installing the tarball prints a warning about the package:' >&2
  grep -i 'warn' "$app_dir/install.log" >&2
  exit 1
fi
node -e "const { Session } = require('$app_dir/node_modules/cdk-emr-serverless-session'); if (typeof Session !== 'function') process.exit(1)"
echo "installed into a fresh app with no warning about the package: $(grep -ci warn "$app_dir/install.log") warning lines in all"
rm -rf "$app_dir"

ls -l dist/js/*.tgz dist/python/*.whl
