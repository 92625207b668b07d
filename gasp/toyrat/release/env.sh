# Environment of the toyrat release 1.0.0. Source it, do not run it:
#     . /path/to/release/env.sh && toyrat --version
# Sourcing-safe: it only sets variables (TOYRAT_RELEASE, RATROOT, RAT_VERSION), leaves no
# helper variables behind, never exits the calling shell and works under `set -eu`. It
# finds its own folder through BASH_SOURCE (bash) or $0 (zsh); from another shell, set
# TOYRAT_RELEASE to the folder before sourcing.

_toyrat_here="${TOYRAT_RELEASE:-}"
if [ -z "$_toyrat_here" ]; then
    _toyrat_here="$(cd "$(dirname "${BASH_SOURCE:-$0}")" 2>/dev/null && pwd || true)"
fi
if [ -n "$_toyrat_here" ] && [ -f "$_toyrat_here/release.json" ]; then
    export TOYRAT_RELEASE="$_toyrat_here"
    export RATROOT="$_toyrat_here"
    export RAT_VERSION="1.0.0"
    unset _toyrat_here
    # `return` ends a sourced file; only if the file was executed instead does `exit` run.
    return 0 2>/dev/null || exit 0
fi
unset _toyrat_here
echo "env.sh: cannot find the toyrat release folder; set TOYRAT_RELEASE to it" >&2
return 1 2>/dev/null || exit 1
