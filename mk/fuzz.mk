# Host fuzzing with libFuzzer (docs/testing.md, "Host fuzzing"): the ELF
# loader, the boot archive reader, the shared-memory ring and the kernel
# command line, compiled for Linux with clang and
# -fsanitize=fuzzer,address,undefined.
#
# Each tests/fuzz/<name>.mk adds one fuzzer, $(BUILD)/fuzz/fuzz_<name>:
#   FUZZ_TARGETS += <name>
#   fuzz_<name>_SRCS := tests/fuzz/fuzz_<name>.c lib/...
#   fuzz_<name>_CFLAGS := extra flags (optional)
#
#   make fuzz-build                  build the fuzzers
#   make fuzz-host                   run each for FUZZ_SECONDS (default 60)
#   make fuzz-host FUZZ="elf bootfs" only these
# tools/fuzz.py runs them; `make test` runs each for a fixed number of
# inputs through tests/host/test_fuzz.py.

FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Iabi/include -Ilib -Itests/fuzz
FUZZ_TARGETS :=
include $(sort $(wildcard tests/fuzz/*.mk))
FUZZ ?= $(FUZZ_TARGETS)

FUZZ_HEADERS := $(wildcard tests/fuzz/*.h tests/fuzz/include/mantra/*.h \
	abi/include/mantra/*.h lib/*/*.h kernel/include/kernel/*.h)

define fuzz_rule
$(BUILD)/fuzz/fuzz_$(1): $$(fuzz_$(1)_SRCS) $$(FUZZ_HEADERS) tests/fuzz/$(1).mk
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) $$(fuzz_$(1)_CFLAGS) -o $$@ $$(fuzz_$(1)_SRCS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))

.PHONY: fuzz-build fuzz-host
fuzz-build: $(FUZZ_BINS)

fuzz-host: deps fuzz-build
	$(Q)$(PYTHON) tools/fuzz.py run --build $(BUILD) --seconds $(FUZZ_SECONDS) $(FUZZ)
