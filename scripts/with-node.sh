#!/usr/bin/env bash
# `bash scripts/with-node.sh 24 -- npm run test:unit`: runs a command with another Node.js first on
# PATH, so that `node`, `npm` and everything they start run on it. The versions are pinned in
# package.json (`config.node`, one source for CI and the README); the binary is the npm registry's
# own package of it (node-<platform>-<arch>), installed once under node_modules/.cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

major=${1:?usage: with-node.sh MAJOR -- COMMAND...}
shift
[ "${1:-}" = -- ] && shift
version=$(node -p "require('./package.json').config.node['$major'] ?? ''")
if [ -z "$version" ]; then
  echo "with-node.sh: no Node.js $major in package.json config.node ($(node -p "Object.keys(require('./package.json').config.node).join(', ')"))" >&2
  exit 2
fi
package="node-$(node -p 'process.platform')-$(node -p 'process.arch')"
prefix="$PWD/node_modules/.cache/node-$version"
if [ ! -x "$prefix/node_modules/$package/bin/node" ]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$package@$version" >&2
fi
export PATH="$prefix/node_modules/$package/bin:$PATH"
echo "with-node.sh: $(command -v node) $(node --version)" >&2
exec "$@"
