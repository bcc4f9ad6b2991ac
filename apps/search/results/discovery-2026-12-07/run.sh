#!/bin/sh
# The discovery run of discovery-2026-12-07.md: the controller (TRPO), regularized evolution and
# random search at an equal budget, one process and one worker each, all three at once. Run it from
# anywhere; it works from the repository root, beside ../shared/data. A directory already here is
# resumed (nothing is trained twice: the run's cache and the shared score cache); SAMPLES=N raises
# the budget of all three. NOS_SEARCH names another nos-search binary.
set -e
cd "$(dirname "$0")/../../../.."
D=apps/search/results/discovery-2026-12-07
BIN=${NOS_SEARCH:-build/release/apps/search/nos-search}
SAMPLES=${SAMPLES:-500}
for s in controller evolution random; do
  if [ -f "$D/$s/config.json" ]; then
    "$BIN" --resume "$D/$s" --samples "$SAMPLES" --quiet &
  else
    "$BIN" --dir "$D/$s" --strategy "$s" --space paper --groups 2 --samples "$SAMPLES" --max-kl 0.05 \
      --workers 1 --data ../shared/data --score-cache "$D/score-cache" --quiet \
      --stage proxy:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1 --stage full:keep=1 \
      --stage final:seeds=3,top=3 --promote-every 100 \
      --references adam,sgd,momentum,rmsprop,powersign,addsign,t1_01,t1_16 &
  fi
done
wait
"$BIN" report "$D/evolution" >/dev/null && "$BIN" report "$D/random" >/dev/null
"$BIN" report "$D/controller" --against "$D/evolution" --against "$D/random"
