#!/usr/bin/env bash
# `npm run integ:deploy`: the integration test against a real account. Deploys the integ app
# (test/integ/integ.session.ts: the example stack and its assertion stack) with the pinned CDK CLI
# to the account and region of your credentials. The assertions wait for the session to be usable
# and fail the deploy when it is not. Everything is destroyed afterwards, whatever happened.
#
# Needs credentials and a bootstrapped environment (npx cdk bootstrap). It starts one session,
# which costs what a session costs for the few minutes the test takes.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK_DISABLE_VERSION_CHECK=1

app='npx tsx test/integ/integ.session.ts'
out=$(mktemp -d)
destroy() { npx cdk destroy --app "$app" --output "$out" --all --force; }
trap destroy EXIT

npx cdk deploy --app "$app" --output "$out" --all --require-approval never
echo 'integ: the session became usable, and its endpoint is an https URL'
