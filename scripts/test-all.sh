#!/bin/bash
# The project's test command (`npm test`): unit tests, the compat suite (test/compat: the
# same playbooks under ansible-playbook and tsplay), then the lab (test/lab, needs root),
# the integration suite against it, and the lab always comes down again, also on failure
# or Ctrl-C. Exits non-zero when any step failed. TSPLAY_KEEP_LAB=1 leaves the lab up.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

failed=()

# Each vitest run also writes a JSON report, so the last line can count every test.
reports=$(mktemp -d)
echo "== unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$reports/unit.json" || failed+=("unit tests")

echo "== compat tests (tsplay and ansible-playbook side by side on localhost: test/compat)"
npx vitest run --project compat --reporter=default --reporter=json --outputFile.json="$reports/compat.json" || failed+=("compat tests")

if [ "$(id -u)" != 0 ]; then
  echo "test-all: the integration suite needs the lab, and the lab needs root: run as root" >&2
  exit 1
fi

summary=""
lab_down() {
  local rc=$?
  if [ "${TSPLAY_KEEP_LAB:-}" = 1 ]; then
    echo "== lab left up (TSPLAY_KEEP_LAB=1)"
  else
    echo "== lab down"
    bash test/lab/lab.sh down || { echo "test-all: lab down failed" >&2; rc=1; }
  fi
  if [ -n "$summary" ]; then
    echo "$summary"
    [ -n "${TSPLAY_SUMMARY_FILE:-}" ] && echo "$summary" > "$TSPLAY_SUMMARY_FILE"
  fi
  exit "$rc"
}
trap lab_down EXIT
trap 'exit 130' INT TERM

# Seven hosts: opctl and opnet (juno-2node and the module tests), compute1-2 (compute-node:
# the compute node and its database server), compute3 (volume-snapshot-backup), compute4
# (icehouse-allinone), compute5 (the general modules that change a host's identity).
echo "== lab up: 7 hosts and the OpenStack controller (lab-cloud.test.ts and the OpenStack modules use it)"
if bash test/lab/lab.sh up --hosts 7 --openstack; then
  echo "== integration tests"
  # --passWithNoTests: the integration project may legitimately be empty on a branch.
  npx vitest run --project integration --passWithNoTests --reporter=default --reporter=json --outputFile.json="$reports/integration.json" || failed+=("integration tests")
else
  failed+=("lab up")
fi

# The plain closing line: "tests: N passed, N failed" over both suites, printed last.
summary=$(node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$reports/unit.json" "$reports/compat.json" "$reports/integration.json")
rm -rf "$reports"

if [ ${#failed[@]} -gt 0 ]; then
  echo "test-all: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test-all: unit and integration tests passed"
