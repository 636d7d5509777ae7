#!/usr/bin/env bash
# Step 2 of the GitHub Action (action.yml): `auditor check` with the action's inputs, the
# findings as annotations on the pull request (--format github) and as a SARIF file for
# github/codeql-action/upload-sarif, from one scan. Exits with auditor check's status: 1 on a
# new finding at or above fail-on, 2 on a usage error or a file that could not be analysed.
# tests/test_action.py runs this very file.
#
# Inputs (environment): AUDITOR_BIN (from install.sh), INPUT_PATHS, INPUT_FAIL_ON,
# INPUT_BASELINE, INPUT_ENGINES, INPUT_SARIF_FILE, INPUT_ANNOTATIONS, INPUT_ARGS.
# Outputs (GITHUB_OUTPUT): exit-code, sarif-file.
set -uo pipefail

auditor="${AUDITOR_BIN:?AUDITOR_BIN is not set: the install step sets it}"
sarif="${INPUT_SARIF_FILE:-auditor.sarif}"

# paths and args are split on white space (new lines included), never globbed
set -f
# shellcheck disable=SC2206
paths=(${INPUT_PATHS:-.})
# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})
set +f
if [ ${#paths[@]} -eq 0 ]; then
    paths=(.)
fi

format=text
case "${INPUT_ANNOTATIONS:-true}" in
    true) format=github ;;
    false) ;;
    *)
        echo "::error title=auditor::annotations must be true or false, not '${INPUT_ANNOTATIONS}'"
        exit 2
        ;;
esac

mkdir -p -- "$(dirname -- "$sarif")"
args=(check --format "$format" --sarif "$sarif" --engines "${INPUT_ENGINES:-libcst}")
if [ -n "${INPUT_FAIL_ON:-}" ]; then
    args+=(--fail-on "$INPUT_FAIL_ON")
fi
if [ -n "${INPUT_BASELINE:-}" ]; then
    args+=(--baseline "$INPUT_BASELINE")
fi

# ${extra[@]+...}: an empty array under set -u (bash 3.2 of macOS runners calls it unbound)
"$auditor" "${args[@]}" ${extra[@]+"${extra[@]}"} -- "${paths[@]}"
status=$?

# the annotations carry no summary line: say what happened
if [ "$format" = github ]; then
    case "$status" in
        0) echo "auditor check passed (SARIF in $sarif)" ;;
        1) echo "auditor check FAILED: new findings at or above the threshold, annotated above (SARIF in $sarif)" ;;
        *) echo "auditor check FAILED with exit status $status: a usage error, a file that could not be analysed or an engine that could not run" ;;
    esac
fi
{
    echo "exit-code=$status"
    echo "sarif-file=$sarif"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
exit "$status"
