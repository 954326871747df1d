#!/bin/sh
# Time NIRVANA scoring and allocation in pare, then check pare's unit scores
# on stories260K against an independent float64 PyTorch implementation and
# time the same scoring pass in PyTorch, one after the other, on $THREADS
# threads (default 2).
# Usage: PARE_DATA=<data folder> sh bench/prune_bench.sh
set -e
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
: "${PARE_DATA:?set PARE_DATA to the folder with llm/stories260K.bin}"
OUT=${OUT:-$(mktemp -d)}
uptime
GOMAXPROCS=$THREADS go test -run XXX -bench 'NirvanaScore|Structured|Allocate8B' -benchtime 3x -count 3 ./ops/prune
go build -o "$OUT/pare" .
"$OUT/pare" run bench/prune_reference.star --out "$OUT/ref"
/usr/bin/python3 bench/prune_reference.py "$OUT/ref/scores.json" "$PARE_DATA/llm/stories260K.bin" "$THREADS"
uptime
