#!/bin/sh
# Time DGI and GRACE training epochs on Planetoid Cora: pare's Go benchmarks
# and the plain PyTorch implementation in bench/ssl_epoch.py, one after the
# other in one run, both on 2 threads.
# Usage: PARE_DATA=path/to/data sh bench/ssl_epoch.sh
set -e
cd "$(dirname "$0")/.."
: "${PARE_DATA:?set PARE_DATA to the data folder}"
GOMAXPROCS=2 go test -run XXX -bench 'EpochCora' -benchtime 10x -count 3 ./ops/ssl
/usr/bin/python3 bench/ssl_epoch.py "$PARE_DATA" --threads 2 --epochs 20
