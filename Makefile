# The two commands of the README: `make run` and `make test`. Both install what is missing first.
PRESET ?= release

.PHONY: run test setup build bench test-asan format clean

# A short real search that shows what nos is for (about 5 minutes on 2 cores; README.md):
# - the controller in the paper's whole space with three groups (the fewest that spell both
#   PowerSign and AddSign: tests/apps/search/make_run_space_test.cpp reads this recipe), every
#   sample rewarded at the `make-run` proxy (3 swept rates on 1,000 images, 1 final epoch), the
#   cheapest protocol the calibration shows still ranks rules like the paper's
#   (apps/search/results/calibration-2026-12-06.md), TRPO at max-KL 0.05;
# - the best 3 re-scored at a better protocol (2,000 images, the paper's 7 rates, 2 final epochs);
# - Adam, SGD, Momentum and PowerSign scored at both protocols beside them (kept in SCORE_CACHE, so
#   a new SEARCH_DIR does not train them again);
# - on the plot and in the comparison table, this recipe's own committed runs taken to 300
#   samples: the controller and random search at the same budget (RUN_AGAINST);
# - the closing lines: the commands that score, transfer, explain and use the best rule.
# CIFAR-10 if found, else Fashion-MNIST. Run again, it resumes the directory (or reprints);
# `make run SAMPLES=300` continues it to the committed runs' budget.
SEARCH_DIR ?= build/$(PRESET)/search-run
SCORE_CACHE ?= build/$(PRESET)/score-cache
SAMPLES ?= 100
RUN_AGAINST ?= --against apps/search/results/make-run-2026-12-07/random \
  --against apps/search/results/make-run-2026-12-07/controller
SEARCH = NOS_THREADS=1 ./build/$(PRESET)/apps/search/nos-search
run: build
	if [ -f $(SEARCH_DIR)/config.json ]; then $(SEARCH) --resume $(SEARCH_DIR) --samples $(SAMPLES) $(RUN_AGAINST); else \
	  $(SEARCH) --dir $(SEARCH_DIR) --space paper --groups 3 --samples $(SAMPLES) --max-kl 0.05 \
	    --stage proxy:train=1000,val=1000,rates=1e-3/1e-2/1e-1,final-epochs=1 \
	    --stage 2k:train=2000,val=2000,final-epochs=2,top=3 --promote-every 100 \
	    --references adam,sgd,momentum,powersign --score-cache $(SCORE_CACHE) $(RUN_AGAINST); fi

test: build
	ctest --preset $(PRESET)

setup:
	bash scripts/setup.sh

build: setup
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET)

bench: build
	./build/$(PRESET)/bench/nos-bench-vs-torch
	./build/$(PRESET)/bench/nos-bench-train-vs-torch

test-asan:
	$(MAKE) test PRESET=asan

# The tree's one style (.clang-format, Debian 12's clang-format 14); ctest's format.check holds it.
format:
	git ls-files '*.cpp' '*.h' '*.c' | xargs clang-format -i

clean:
	rm -rf build
