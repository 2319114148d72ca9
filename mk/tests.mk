# make test: host unit tests (and a short run of each fuzzer, mk/fuzz.mk),
# then the QEMU boot tests; one summary line.
.PHONY: test
test: deps all host-tests fuzz-build
	$(Q)$(PYTHON) tools/run_tests.py --build $(BUILD) $(HOST_TEST_BINS)

# make profile FROM=fn TO=fn [ROUNDS=n] [BLOCKS=n]: where one benchmark's
# guest instructions go, per function (tools/profile.py, docs/testing.md).
.PHONY: profile
profile: deps all
	$(Q)PROFILE_BLOCKS=$(BLOCKS) $(PYTHON) tools/profile.py $(BUILD) $(FROM) $(TO) $(ROUNDS)

# make bench: kernel micro-benchmarks in guest instructions (tools/bench.py).
.PHONY: bench
bench: deps all
	$(Q)$(PYTHON) tools/bench.py $(BUILD)
