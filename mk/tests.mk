# make test: host unit tests, then the QEMU boot tests; one summary line.
.PHONY: test
test: deps all host-tests
	$(Q)$(PYTHON) tools/run_tests.py --build $(BUILD) $(HOST_TEST_BINS)
