# System calls: tools/gen_syscalls.py turns abi/syscalls.def (with the types
# and error codes of abi/include/mantra/) into the user stubs, the argument
# table for the hostile tests, the kernel prototypes and dispatch table, and
# docs/abi.md and docs/security.md (with the prose of abi/security.md.in).
#
# One run writes every file; the stamp records that run, so make runs the
# generator once however many of its outputs are needed.  The generator
# rewrites only files whose content changed, so objects that include an
# unchanged header are not rebuilt.  A deleted output is made again.

GEN                 := $(BUILD)/gen
SYSCALL_DEF         := abi/syscalls.def
SYSCALL_GEN_INPUTS  := $(SYSCALL_DEF) abi/include/mantra/types.h \
	abi/include/mantra/errors.h tools/gen_syscalls.py
SYSCALL_GEN_CMD     := $(PYTHON) tools/gen_syscalls.py --def $(SYSCALL_DEF) \
	--types abi/include/mantra/types.h --errors abi/include/mantra/errors.h
SYSCALL_GEN_HEADERS := $(GEN)/include/mantra/syscall_numbers.h \
	$(GEN)/include/mantra/syscalls.h \
	$(GEN)/include/mantra/syscall_info.h \
	$(GEN)/kernel/syscall_decls.h
SYSCALL_TABLE_SRC   := $(GEN)/kernel/syscall_table.c
SYSCALL_STAMP       := $(GEN)/syscalls.stamp

$(SYSCALL_STAMP): $(SYSCALL_GEN_INPUTS)
	@mkdir -p $(dir $@)
	@echo "  GEN     syscalls"
	$(Q)$(SYSCALL_GEN_CMD) --out-dir $(GEN)
	$(Q)touch $@

# Outputs are only as new as their content; the stamp stands for the run.
$(SYSCALL_GEN_HEADERS) $(SYSCALL_TABLE_SRC): $(SYSCALL_STAMP)
	$(Q)test -f $@ || $(SYSCALL_GEN_CMD) --out-dir $(GEN)

.PHONY: syscalls docs docs-check
syscalls: $(SYSCALL_GEN_HEADERS) $(SYSCALL_TABLE_SRC)

SECURITY_TEMPLATE   := abi/security.md.in

docs:
	@echo "  GEN     docs/abi.md docs/security.md"
	$(Q)$(SYSCALL_GEN_CMD) --docs docs/abi.md \
		--security-template $(SECURITY_TEMPLATE) --security docs/security.md

docs-check:
	$(Q)$(SYSCALL_GEN_CMD) --check-docs docs/abi.md \
		--security-template $(SECURITY_TEMPLATE) --check-security docs/security.md
