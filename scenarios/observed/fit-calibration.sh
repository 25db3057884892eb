#!/bin/sh
# The market's one calibration (kachin-2025.yaml, market.products.*): conflux fit of the two
# price exponents, the precautionary share and the expected length of a disruption to the
# observations of the 2019 ban and the 2021 closure (scenarios/README.md, "Historical
# replays"). Run from the repository: scenarios/observed/fit-calibration.sh [CONFLUX] [--json]
CONFLUX=${1:-build/conflux}
[ $# -gt 0 ] && shift
DY=market.products.Dy2O3
TB=market.products.Tb4O7
exec "$CONFLUX" fit scenarios/replays/2019-tengchong-ban.yaml scenarios/replays/2021-border-closure.yaml \
  --observed scenarios/observed/2019-tengchong-ban.csv --observed scenarios/observed/2021-border-closure.csv \
  --param $DY.cover_price_exponent=0.3:4 --param $TB.cover_price_exponent=0.3:4 \
  --param $DY.precautionary_share,$TB.precautionary_share=0:10 \
  --param $DY.disruption_days,$TB.disruption_days=45:183 --seed 1 "$@"
