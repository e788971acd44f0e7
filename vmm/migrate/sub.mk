# tsvmm live migration (vmm/migrate/): sources into tsvmm and the unit tests, and the
# libraries they need (xxhash for page hashes and the checksum, lz4/zstd for compression).
VMM_EXTRA_SRCS += $(sort $(wildcard vmm/migrate/*.c))
MIGRATE_LDLIBS := -lxxhash -llz4 -lzstd
UNIT_LDLIBS    += $(MIGRATE_LDLIBS)
$(BUILD)/bin/tsvmm: LDLIBS += $(MIGRATE_LDLIBS)
