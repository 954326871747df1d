#!/bin/sh
# Write the synthetic 1B-parameter Llama (d 2048, 16 layers, 32 heads,
# 8 KV heads, MLP 8192, vocab 32000) as bf16 shards of about 2.2 GB in all.
# Then compute NIRVANA's saliency of every decoder weight by streaming one
# layer at a time. Each step runs in its own process, so the reported peak
# resident memory (VmHWM) is that of the step.
# Usage: DIR=/tmp/pare-1b BATCH=4 sh bench/llm_stream.sh
set -e
cd "$(dirname "$0")/.."
DIR=${DIR:-/tmp/pare-synthetic-1b}
BATCH=${BATCH:-4}
[ -d "$DIR" ] || PARE_STREAM_1B="$DIR" go test -run 'TestWriteSynthetic1B$' -v -timeout 60m ./ops/llm | grep -E 'wrote|ok|FAIL'
PARE_STREAM_1B="$DIR" PARE_STREAM_BATCH="$BATCH" go test -run 'TestStreamSaliency1B$' -v -timeout 120m ./ops/llm | grep -E 'scored|ok|FAIL'
