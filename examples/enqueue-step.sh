#!/bin/sh
# A multi-step site command that checks its turn before each side effect.
#
#   GASP_CONFIG=site.toml gasp enqueue cedar --repeat -- sh examples/enqueue-step.sh OUTDIR
#
# (GASP_CONFIG rather than -c: the command inherits it, so its check reads the same
# database; the check finds the turn's database and leader document from the environment.
# GASP, if set, is how to run gasp, e.g. "python -m gasp".)
#
# gasp enqueue terminates a command whose turn is lost, but only once the enqueue process
# itself runs: if the machine was frozen and the command's processes are scheduled a few
# milliseconds before it, the command could go on working outside its turn. `gasp client`
# guards its claims itself; a plain command asks `gasp enqueue --check` (one read of the
# leader document, using GASP_TURN_TOKEN from the environment) before every step that
# changes something outside, and stops as soon as the turn is no longer its own.
#
# The check narrows the window to the time between the check and the step; it does not
# close it. Make each step safe to repeat (write to a temporary name, then rename).
set -eu
gasp=${GASP:-gasp}
out=${1:?usage: enqueue-step.sh OUTDIR}
mkdir -p "$out"
step() {
    $gasp enqueue --check || exit 1   # exit 1: the turn has passed; say nothing more
    "$@"
}
result="$out/turn-$GASP_TURN_NUMBER.txt"
step sh -c 'date -u > "$1.tmp"' sh "$result"           # 1. produce
step mv "$result.tmp" "$result"                          # 2. publish
step sh -c 'echo "$GASP_TURN_SITE $GASP_TURN_NUMBER $GASP_TURN_TOKEN" >> "$1/turns.log"' \
    sh "$out"                                            # 3. record
