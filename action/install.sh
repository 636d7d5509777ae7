#!/usr/bin/env bash
# Step 1 of the GitHub Action (action.yml): install auditor from the action's own checkout
# into a venv of its own under RUNNER_TEMP, so that neither the project's dependencies nor
# the runner's Python packages change. tests/test_action.py runs this very file.
#
# Inputs (environment): AUDITOR_PYTHON (an interpreter, 3.11 or newer), AUDITOR_ENGINES
# (the engines input: bandit and semgrep bring their optional dependencies).
# Outputs: AUDITOR_BIN in GITHUB_ENV, the auditor the next step runs.
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this from action.yml}"
python="${AUDITOR_PYTHON:-python3}"
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/auditor-action-venv"

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "::error title=auditor::$python is not Python 3.11 or newer (set the python input, or use actions/setup-python first)"
    exit 2
fi

extras=()
IFS=', ' read -r -a engines <<<"${AUDITOR_ENGINES:-libcst}"
for engine in "${engines[@]}"; do
    case "$engine" in
        bandit | semgrep) extras+=("$engine") ;;
    esac
done
spec="$action_path"
if [ ${#extras[@]} -gt 0 ]; then
    spec="$action_path[$(IFS=,; echo "${extras[*]}")]"
fi

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$spec"
"$venv/bin/auditor" --version
echo "AUDITOR_BIN=$venv/bin/auditor" >>"${GITHUB_ENV:?GITHUB_ENV is not set}"
