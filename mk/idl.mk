# Interfaces: tools/idlc.py turns each idl/NAME.idl into
# $(GEN)/idl/NAME.h (types, labels, client stubs) and, for files with an
# interface, NAME_server.h and NAME_server.c (the ops table and the
# dispatch).  User code includes <idl/NAME.h> (UCFLAGS has -I$(GEN)); a
# program serving NAME adds $(IDL_GEN)/NAME_server.c to its SRCS.  See
# docs/idl.md.
#
# One run compiles every file (interface ids are checked across all of
# them); the stamp stands for that run, and idlc rewrites only the files
# whose content changed, as for the system calls (mk/syscalls.mk).

IDL_FILES   := $(sort $(wildcard idl/*.idl))
IDL_GEN     := $(GEN)/idl
IDL_CMD     := $(PYTHON) tools/idlc.py --out-dir $(GEN) $(IDL_FILES)
IDL_STAMP   := $(GEN)/idl.stamp
IDL_NAMES   := $(basename $(notdir $(IDL_FILES)))
IDL_GEN_HEADERS := $(patsubst %,$(IDL_GEN)/%.h,$(IDL_NAMES)) \
	$(patsubst %,$(IDL_GEN)/%_server.h,$(IDL_NAMES))
IDL_GEN_SRCS := $(patsubst %,$(IDL_GEN)/%_server.c,$(IDL_NAMES))

$(IDL_STAMP): $(IDL_FILES) tools/idlc.py
	@mkdir -p $(dir $@)
	@echo "  IDLC    $(IDL_FILES)"
	$(Q)$(IDL_CMD)
	$(Q)touch $@

$(IDL_GEN_HEADERS) $(IDL_GEN_SRCS): $(IDL_STAMP)
	$(Q)test -f $@ || $(IDL_CMD)

.PHONY: idl
idl: $(IDL_GEN_HEADERS) $(IDL_GEN_SRCS)
