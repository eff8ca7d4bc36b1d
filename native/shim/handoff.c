/*
 * `berth-shim attach SOCKET FLAGS [KEYS_HEX]`: hands the client socket on fd 3 to the shim that
 * listens on SOCKET (as SCM_RIGHTS with a BM_ATTACH message), waits for its BM_ACK, and exits.
 * The daemon cannot pass descriptors itself; this keeps attached streams out of the daemon.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "berth-plan.h"
#include "report.h"

int handoff_main(int argc, char **argv);

static int unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = strlen(h);
	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

int handoff_main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: berth-shim attach SOCKET FLAGS [KEYS_HEX]\n");
		return 2;
	}
	uint8_t payload[4 + 16];
	uint32_t flags = (uint32_t)strtoul(argv[3], NULL, 10);
	memcpy(payload, &flags, 4);
	int nkeys = argc > 4 ? unhex(argv[4], payload + 4, 16) : 0;
	if (nkeys < 0) {
		fprintf(stderr, "berth-shim attach: bad detach keys \"%s\"\n", argv[4]);
		return 2;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", argv[2]);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "berth-shim attach: connect \"%s\": %s\n", argv[2], strerror(errno));
		return 1;
	}
	uint32_t hdr[2] = { BM_ATTACH, 4u + (uint32_t)nkeys };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { payload, 4u + (size_t)nkeys } };
	if (bp_send_fd(s, 3, iov, 2) < 0) {
		fprintf(stderr, "berth-shim attach: sendmsg: %s\n", strerror(errno));
		return 1;
	}
	uint32_t kind, len;
	uint8_t *p;
	if (bp_read_msg(s, &kind, &p, &len) != 1 || kind != BM_ACK) {
		fprintf(stderr, "berth-shim attach: the shim did not take the stream\n");
		return 1;
	}
	return 0;
}
