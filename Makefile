# The two commands of the README: `make run` and `make test`. Both install what is missing first.
PRESET ?= release

.PHONY: run test setup build bench test-asan clean

# A short real search (a few minutes on 2 cores): the paper-small space, one group, a reduced
# protocol (3 swept rates on 1,000 images, 1 final epoch), 20 samples, CIFAR-10 if found, else
# Fashion-MNIST. Run again, it resumes the same directory (or just reprints the leaderboard).
SEARCH_DIR ?= build/$(PRESET)/search-run
SEARCH = NOS_THREADS=1 ./build/$(PRESET)/apps/search/nos-search
run: build
	if [ -f $(SEARCH_DIR)/config.json ]; then $(SEARCH) --resume $(SEARCH_DIR); else \
	  $(SEARCH) --dir $(SEARCH_DIR) --space paper-small --groups 1 --samples 20 --sweep-rates 0.001,0.01,0.1 \
	    --train-images 1000 --val-images 1000 --final-epochs 1; fi

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

clean:
	rm -rf build
