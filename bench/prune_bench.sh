#!/bin/sh
# Time NIRVANA scoring and allocation in pare, then check pare's unit scores
# on stories260K against an independent float64 PyTorch implementation and
# time the same scoring pass in PyTorch, one after the other, on $THREADS
# threads (default 2). With STREAM_1B=<folder>, also write the synthetic
# 1B-shaped model there and prune it by streaming (bench/prune_stream_1b.star)
# under /usr/bin/time -v; the folder needs about 3.3 GB.
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
if [ -n "${STREAM_1B:-}" ]; then
	uptime
	GOMAXPROCS=$THREADS /usr/bin/time -v "$OUT/pare" run bench/prune_stream_1b.star --out "$STREAM_1B" 2>&1 |
		grep -E 'wrote|kept|Error|Elapsed|User time|System time|Maximum resident|Exit status'
fi
uptime
