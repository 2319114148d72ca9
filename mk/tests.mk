# make test: host unit tests (and a short run of each fuzzer, mk/fuzz.mk),
# then the QEMU boot tests; one summary line.  SMP=N boots the cases that
# name no CPU count of their own with N CPUs (default $MANTRA_SMP or 1).
.PHONY: test
test: deps all host-tests fuzz-build
	$(Q)$(PYTHON) tools/run_tests.py --build $(BUILD) $(if $(SMP),--smp $(SMP)) $(HOST_TEST_BINS)

# make profile FROM=fn TO=fn [ROUNDS=n] [BLOCKS=n]: where one benchmark's
# guest instructions go, per function (tools/profile.py, docs/testing.md).
.PHONY: profile
profile: deps all
	$(Q)PROFILE_BLOCKS=$(BLOCKS) $(PYTHON) tools/profile.py $(BUILD) $(FROM) $(TO) $(ROUNDS)

# make bench: kernel micro-benchmarks in guest instructions (tools/bench.py).
.PHONY: bench
bench: deps all
	$(Q)$(PYTHON) tools/bench.py $(BUILD)
