#!/usr/bin/env bash
# Two runs of the lifecycle gate at once, in this one checkout, each in a process of its own: the
# proof that no stand-in holds a fixed port, that the handler bundle each run builds first never
# reaches the other half-written, and that neither run's temporary files get in the other's way.
# Both must pass; each one's summary line is printed, its whole log only when it failed.
set -euo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
npm run --silent test:lifecycle >"$logs/first.log" 2>&1 &
first=$!
npm run --silent test:lifecycle >"$logs/second.log" 2>&1 &
second=$!
status=0
for run in first second; do
  pid=$([ "$run" = first ] && echo "$first" || echo "$second")
  if wait "$pid"; then
    echo "$run run: $(grep -E '^Tests:' "$logs/$run.log")"
  else
    status=1
    echo "$run run FAILED:"
    cat "$logs/$run.log"
  fi
done
# Neither run may leave a cloud assembly behind.
if compgen -G 'cdk.out/local-cloud-*' >/dev/null; then
  echo 'the runs left cloud assemblies behind:' cdk.out/local-cloud-* >&2
  status=1
fi
exit "$status"
