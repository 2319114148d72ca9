# MantraOS top-level build.  `make` builds build/mantra.img; see README.md.
#
# Everything lands in $(BUILD).  Host tools are Python 3 (standard library
# only) and Debian packages; tools/deps.sh installs what is missing.

BUILD      ?= build
V          ?= 0
Q          := $(if $(filter 1,$(V)),,@)
PYTHON     ?= python3

# Reproducibility: fixed timestamps (from the last commit) and no build paths
# in the output.  repro-check passes both in from outside.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
MANTRA_VERSION    ?= $(shell cat VERSION)
MANTRA_COMMIT     ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH

CLANG      ?= clang
LLD        ?= ld.lld
LLD_LINK   ?= lld-link
OBJCOPY    ?= llvm-objcopy
NM         ?= llvm-nm
HOSTCC     ?= gcc
RESOURCE_DIR := $(shell $(CLANG) -print-resource-dir)

PREFIX_MAP := -ffile-prefix-map=$(CURDIR)=.

# ---------------------------------------------------------------------------
# Default: the disk image.
.PHONY: all
all: toolchain-check $(BUILD)/mantra.img

include mk/syscalls.mk
include mk/idl.mk
include mk/kernel.mk
include mk/boot.mk
include mk/image.mk
include mk/user.mk
include mk/host-tests.mk
include mk/fuzz.mk
include mk/sysfuzz.mk
include mk/tests.mk

# ---------------------------------------------------------------------------
# Running and debugging (README.md).
NOGRAPHIC ?= 0
SMP       ?=
QEMU_FLAGS := $(if $(filter 1,$(NOGRAPHIC)),--nographic,) $(if $(SMP),--smp $(SMP))

.PHONY: run debug repro-check
run: deps all
	$(Q)$(PYTHON) tools/qemu.py run --build $(BUILD) --image $(BUILD)/mantra.img $(QEMU_FLAGS)

debug: deps all
	$(Q)$(PYTHON) tools/qemu.py debug --build $(BUILD) --image $(BUILD)/mantra.img $(QEMU_FLAGS)

# Build twice in two different directories; the images must be identical.
repro-check: deps
	$(Q)tools/repro_check.sh

# ---------------------------------------------------------------------------
.PHONY: deps toolchain-check clean FORCE
FORCE:

deps:
	$(Q)tools/deps.sh

toolchain-check:
	$(Q)$(PYTHON) tools/toolchain_check.py toolchain.lock

clean:
	rm -rf $(BUILD)
