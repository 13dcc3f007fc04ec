#!/bin/sh
# Ablation of the ranking signals on one data set: benchmarks/matching/ablation.sh DATASET_DIR
set -e
D=${1:-/work/shared/datasets/matching-dev}
for S in text text,hs_catalog text,hs_nomenclature text,hs_catalog,hs_nomenclature text,hs_catalog,hs_nomenclature,track_record; do
  marketplace eval-matching "$D" --signals "$S" 2>/dev/null | grep -v '^loaded'
done
