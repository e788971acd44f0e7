// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: tsvmm's migration pre-shared key file (vmm/migrate/tls.c mig_psk_parse:
 * one "IDENTITY:HEXKEY" line, '#' comments). The parser takes a path and checks the file's
 * mode, so the input goes to a memfd with mode 0600 read through /proc/self/fd.
 * Properties: a key that parses has MIG_PSK_KEY_MIN..MAX bytes and a NUL-terminated identity
 * of 1..MIG_PSK_ID_MAX bytes; a refusal says why, naming the file.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/tls.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], identity[MIG_PSK_ID_MAX + 1 + 16], err[300];
	uint8_t key[MIG_PSK_KEY_MAX + 16];
	size_t keylen = 0;
	int fd = memfd_create("fuzz-psk", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fchmod(fd, 0600) || (size && write(fd, data, size) != (ssize_t)size)) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	memset(identity, 0x5a, sizeof(identity));
	if (!mig_psk_parse(path, identity, key, &keylen, err, sizeof(err))) {
		size_t il = strnlen(identity, sizeof(identity));
		FUZZ_CHECK(il >= 1 && il <= MIG_PSK_ID_MAX);
		FUZZ_CHECK(keylen >= MIG_PSK_KEY_MIN && keylen <= MIG_PSK_KEY_MAX);
	} else {
		FUZZ_CHECK(!strncmp(err, path, strlen(path)));
	}
	close(fd);
	return 0;
}
