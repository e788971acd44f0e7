# tsvmm live migration (vmm/migrate/): sources into tsvmm and the unit tests, and the
# libraries they need (xxhash for page hashes and the checksum, lz4/zstd for compression,
# GnuTLS for the authenticated, encrypted connection).
VMM_EXTRA_SRCS += $(sort $(wildcard vmm/migrate/*.c))
MIGRATE_LDLIBS := -lxxhash -llz4 -lzstd $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)
UNIT_LDLIBS    += $(MIGRATE_LDLIBS)
$(BUILD)/bin/tsvmm: LDLIBS += $(MIGRATE_LDLIBS)
# the AVX2 page hash (checksum.c picks it at run time when the CPU has AVX2)
$(BUILD)/obj/vmm/migrate/hash_avx2.o: CFLAGS += -mavx2
