# make fuzz: long campaigns of the system-call fuzzer inside the guest
# (user/sysfuzz, tools/sysfuzz.py; docs/testing.md).  `make test` runs a
# bounded one (the QEMU case `sysfuzz`).
#
#   make fuzz                                  10,000,000 calls, seed 1
#   make fuzz FUZZ_CALLS=1000000 FUZZ_SEED=7 FUZZ_SEEDS=4
#   make fuzz FUZZ_ARGS="init.trees=4 init.verbose=1"

FUZZ_CALLS ?= 10000000
FUZZ_SEED  ?= 1
FUZZ_SEEDS ?= 1
FUZZ_ARGS  ?=

.PHONY: fuzz
fuzz: deps all
	$(Q)$(PYTHON) tools/sysfuzz.py --build $(BUILD) --calls $(FUZZ_CALLS) \
		--seed $(FUZZ_SEED) --seeds $(FUZZ_SEEDS) --args "$(FUZZ_ARGS)"
