#!/bin/sh
# Time the LLM runtime on the synthetic 125M-parameter Llama (d 768, 12
# layers, 12 heads, MLP 2048, vocab 32000) and the same work in PyTorch,
# one after the other in one run, both on $THREADS threads (default 2).
# Usage: sh bench/llm.sh
set -e
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
uptime
GOMAXPROCS=$THREADS go test -run XXX -bench '125M|MemoryCopy' -benchtime 3x -count 3 ./ops/llm
/usr/bin/python3 bench/llm_torch.py "$THREADS"
uptime
