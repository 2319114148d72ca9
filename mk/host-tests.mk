# Host unit tests: kernel generic code and parsers compiled for Linux with
# AddressSanitizer and UndefinedBehaviorSanitizer.
#
# Each tests/host/<name>.mk adds one test program:
#   HOST_TESTS += <name>
#   <name>_SRCS := tests/host/test_<name>.c kernel/mm/pmm.c ...
# test_main.c and stubs.c are linked into every program.

HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -DHOST_TEST=1 \
	-Iabi/include -Ikernel/include -Ilib -Itests/host
HOST_TESTS :=
include $(sort $(wildcard tests/host/*.mk))

HOST_TEST_COMMON := tests/host/test_main.c tests/host/stubs.c
HOST_TEST_HEADERS := $(wildcard tests/host/*.h abi/include/mantra/*.h lib/*/*.h \
	kernel/include/kernel/*.h)

define host_test_rule
$(BUILD)/host/test_$(1): $$($(1)_SRCS) $$(HOST_TEST_COMMON) $$(HOST_TEST_HEADERS) | $(BUILD)/host
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) -o $$@ $$($(1)_SRCS) $$(HOST_TEST_COMMON)
endef
$(foreach t,$(HOST_TESTS),$(eval $(call host_test_rule,$(t))))

HOST_TEST_BINS := $(addprefix $(BUILD)/host/test_,$(HOST_TESTS))

$(BUILD)/host:
	$(Q)mkdir -p $@

.PHONY: host-tests
host-tests: $(HOST_TEST_BINS)
