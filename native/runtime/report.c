#define _GNU_SOURCE
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "berth-plan.h"

static int write_all(int fd, const struct iovec *iov_in, int n)
{
	struct iovec iov[4];
	memcpy(iov, iov_in, (size_t)n * sizeof(*iov));
	int i = 0;
	while (i < n) {
		ssize_t w = writev(fd, iov + i, n - i);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (i < n && (size_t)w >= iov[i].iov_len) {
			w -= (ssize_t)iov[i].iov_len;
			i++;
		}
		if (i < n) {
			iov[i].iov_base = (char *)iov[i].iov_base + w;
			iov[i].iov_len -= (size_t)w;
		}
	}
	return 0;
}

int bp_write_msg(int fd, uint32_t kind, const void *payload, uint32_t len)
{
	uint32_t hdr[2] = { kind, len };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)payload, len } };
	return write_all(fd, iov, len ? 2 : 1);
}

static int read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int finish_msg(int fd, const uint32_t hdr[2], uint32_t *kind, uint8_t **payload, uint32_t *len);

/* Reads the 8-byte header with recvmsg, collecting a descriptor that rides on it. */
static int read_header(int fd, uint32_t hdr[2], int *rx_fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { hdr, 8 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	ssize_t r;
	do
		r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return (int)r;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(rx_fd, CMSG_DATA(c), sizeof(int));
	if (r < 8 && read_full(fd, (char *)hdr + r, (size_t)(8 - r)) != 1)
		return -1;
	return 1;
}

int bp_read_msg_fd(int fd, uint32_t *kind, uint8_t **payload, uint32_t *len, int *rx_fd)
{
	uint32_t hdr[2];
	*rx_fd = -1;
	int rc = read_header(fd, hdr, rx_fd);
	if (rc <= 0)
		return rc;
	return finish_msg(fd, hdr, kind, payload, len);
}

int bp_read_msg(int fd, uint32_t *kind, uint8_t **payload, uint32_t *len)
{
	uint32_t hdr[2];
	int rc = read_full(fd, hdr, sizeof(hdr));
	if (rc <= 0)
		return rc;
	return finish_msg(fd, hdr, kind, payload, len);
}

static int finish_msg(int fd, const uint32_t hdr[2], uint32_t *kind, uint8_t **payload, uint32_t *len)
{
	if (hdr[1] > BP_MAX_MESSAGE) {
		errno = EMSGSIZE;
		return -1;
	}
	uint8_t *p = malloc(hdr[1] + 1);
	if (!p)
		return -1;
	if (hdr[1] && read_full(fd, p, hdr[1]) != 1) {
		free(p);
		errno = EPROTO;
		return -1;
	}
	p[hdr[1]] = 0;
	*kind = hdr[0];
	*len = hdr[1];
	*payload = p;
	return 1;
}

int bp_send_fd(int sock, int fd, struct iovec *iov, int iovcnt)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (r < 0)
		return -1;
	/* Small messages on a stream socket go whole; a short send would lose the framing. */
	if ((size_t)r != total) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int bp_report_console(int fd, int master)
{
	uint32_t hdr[2] = { BP_REPORT_CONSOLE, 0 };
	struct iovec iov = { hdr, sizeof(hdr) };
	return bp_send_fd(fd, master, &iov, 1);
}

void bp_report_pid(int fd, pid_t pid)
{
	int32_t v = pid;
	bp_write_msg(fd, BP_REPORT_CHILD_PID, &v, sizeof(v));
}

void bp_report_ready(int fd)
{
	bp_write_msg(fd, BP_REPORT_READY, NULL, 0);
}

void bp_report_failure(int fd, const struct bp_failure *f)
{
	struct bp_buf b = { 0 };
	if (bp_failure_encode(f, &b) == 0)
		bp_write_msg(fd, BP_REPORT_FAILED, b.data, (uint32_t)b.len);
	bp_buf_free(&b);
}
