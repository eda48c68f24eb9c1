#!/usr/bin/env bash
# `npm run package`: the publishable artifacts. The jsii assembly (.jsii) and API.md from it, the npm
# tarball (with the handler bundle inside) and a Python wheel, in dist/.
#
# jsii-pacmak's default Python build installs its tools from PyPI; this builds the Python sources
# offline (--code-only) and the wheel with Debian's system Python, which ships setuptools and wheel.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# jsii compiles in place, next to the sources; tsx and the CDK CLI would then load that JS instead of
# the TypeScript. Keep it only while packaging.
remove_compiled() { rm -f lib/*.js lib/*.d.ts lambda/contract.js lambda/contract.d.ts; }
trap remove_compiled EXIT

npm run bundle
npx jsii --generate-tsconfig tsconfig.jsii.json
npx jsii-docgen --output API.md
rm -rf dist dist-code
npx jsii-pacmak --targets js --outdir dist

python=/usr/bin/python3
if ! "$python" -c 'import setuptools, wheel' 2>/dev/null; then
  echo "the Python wheel needs Debian's python3-setuptools and python3-wheel: apt-get install python3-setuptools python3-wheel" >&2
  exit 1
fi
npx jsii-pacmak --targets python --code-only --outdir dist-code
(cd dist-code/python && PYENV_VERSION=system "$python" -m pip wheel --quiet --no-build-isolation --no-deps --no-index --wheel-dir ../../dist/python .)

# PyPI is out of reach, so the wheel cannot be installed here; check at least that its Python compiles.
wheel_dir=$(mktemp -d)
(cd "$wheel_dir" && "$python" -m zipfile -e "$OLDPWD"/dist/python/*.whl . && "$python" -m compileall -q .)
rm -rf "$wheel_dir"

ls -l dist/js/*.tgz dist/python/*.whl
