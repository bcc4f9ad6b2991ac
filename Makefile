# The two commands of the README: `make run` and `make test`. Both install what is missing first.
PRESET ?= release

.PHONY: run test setup build bench test-asan format clean

# A short real search (a few minutes on 2 cores): the paper's whole space with three groups (the
# fewest that spell both PowerSign and AddSign: tests/apps/search/make_run_space_test.cpp reads
# this recipe), a reduced protocol (3 swept rates on 1,000 images, 1 final epoch), 20 samples,
# CIFAR-10 if found, else Fashion-MNIST; Adam, SGD, Momentum, RMSProp and PowerSign scored first at
# the same protocol as references (kept in SCORE_CACHE, so a new SEARCH_DIR does not train
# them again). Run again, it resumes the same directory (or just reprints the leaderboard).
SEARCH_DIR ?= build/$(PRESET)/search-run
SCORE_CACHE ?= build/$(PRESET)/score-cache
SEARCH = NOS_THREADS=1 ./build/$(PRESET)/apps/search/nos-search
run: build
	if [ -f $(SEARCH_DIR)/config.json ]; then $(SEARCH) --resume $(SEARCH_DIR); else \
	  $(SEARCH) --dir $(SEARCH_DIR) --space paper --groups 3 --samples 20 --sweep-rates 0.001,0.01,0.1 \
	    --train-images 1000 --val-images 1000 --final-epochs 1 --score-cache $(SCORE_CACHE); fi

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
