#!/usr/bin/env bash
# `npm run docs`: regenerates API.md from the code's doc comments (jsii, then jsii-docgen). The jest
# gate test/api-reference.test.ts fails while the committed API.md differs from what this writes.
set -euo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

# jsii compiles in place, next to the sources: keep that output only while generating.
remove_compiled() { rm -f lib/*.js lib/*.d.ts lambda/shared/*.js lambda/shared/*.d.ts; }
trap remove_compiled EXIT

npx jsii --generate-tsconfig tsconfig.jsii.json
npx jsii-docgen --output API.md
