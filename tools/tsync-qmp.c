// SPDX-License-Identifier: MIT
/*
 * tsync-qmp: a minimal QMP client (QEMU Machine Protocol) for bench scripts (socat is not
 * installed here).
 *   tsync-qmp SOCK JSON...   connect to the Unix socket, read the greeting, send
 *                            qmp_capabilities, then each JSON command; print each reply line
 *                            (asynchronous {"event": ...} lines are skipped).
 * Exit status: 0, 1 when the socket is unusable or a reply is an {"error": ...}.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tsync/ipc.h"

static int reply(FILE *in, char *line, size_t len)
{
	while (fgets(line, (int)len, in))
		if (!strstr(line, "\"event\""))
			return 0;
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs("usage: tsync-qmp SOCK [JSON...]\n", argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	int fd = ipc_connect(argv[1], SOCK_STREAM, IPC_BLOCKING, 0);
	if (fd < 0) {
		fprintf(stderr, "tsync-qmp: %s: %s\n", argv[1], ipc_strerror(fd));
		return 1;
	}
	FILE *in = fdopen(fd, "r");
	static char line[1 << 16];
	const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";
	if (!in || !fgets(line, sizeof(line), in) || !strstr(line, "\"QMP\"") ||
	    send(fd, caps, sizeof(caps) - 1, MSG_NOSIGNAL) < 0 || reply(in, line, sizeof(line)) ||
	    !strstr(line, "\"return\"")) {
		fprintf(stderr, "tsync-qmp: %s: no QMP greeting or capabilities refused\n",
		        argv[1]);
		return 1;
	}
	int status = 0;
	for (int i = 2; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (send(fd, argv[i], n, MSG_NOSIGNAL) != (ssize_t)n ||
		    send(fd, "\n", 1, MSG_NOSIGNAL) != 1 || reply(in, line, sizeof(line))) {
			fprintf(stderr, "tsync-qmp: %s: connection lost\n", argv[1]);
			fclose(in);
			return 1;
		}
		fputs(line, stdout);
		if (strstr(line, "\"error\""))
			status = 1;
	}
	fclose(in);
	return status;
}
