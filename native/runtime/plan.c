#include "plan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth-plan.h"

int bp_plan_parse(const uint8_t *buf, size_t len, struct bp_plan *out)
{
	size_t cap = 16, n = 0, off = 0;
	struct bp_rec *recs = malloc(cap * sizeof(*recs));
	if (!recs)
		return -1;
	while (off < len) {
		if (len - off < BP_RECORD_HEADER)
			goto bad;
		uint16_t tag;
		uint32_t rlen;
		memcpy(&tag, buf + off, 2);
		memcpy(&rlen, buf + off + 4, 4);
		off += BP_RECORD_HEADER;
		if (rlen > len - off)
			goto bad;
		if (n == cap) {
			cap *= 2;
			struct bp_rec *g = realloc(recs, cap * sizeof(*recs));
			if (!g)
				goto bad;
			recs = g;
		}
		recs[n++] = (struct bp_rec){ .tag = tag, .len = rlen, .data = buf + off };
		off += rlen;
	}
	out->recs = recs;
	out->n = n;
	return 0;
bad:
	free(recs);
	return -1;
}

void bp_plan_free(struct bp_plan *p)
{
	free(p->recs);
	p->recs = NULL;
	p->n = 0;
}

int bp_u16(const struct bp_rec *r, size_t off, uint16_t *v)
{
	if (off + 2 > r->len)
		return -1;
	memcpy(v, r->data + off, 2);
	return 0;
}

int bp_u32(const struct bp_rec *r, size_t off, uint32_t *v)
{
	if (off + 4 > r->len)
		return -1;
	memcpy(v, r->data + off, 4);
	return 0;
}

int bp_u64(const struct bp_rec *r, size_t off, uint64_t *v)
{
	if (off + 8 > r->len)
		return -1;
	memcpy(v, r->data + off, 8);
	return 0;
}

const char *bp_str(const struct bp_rec *r, size_t off, int idx)
{
	size_t p = off;
	for (int i = 0;; i++) {
		if (p >= r->len)
			return NULL;
		const void *nul = memchr(r->data + p, 0, r->len - p);
		if (!nul)
			return NULL;
		if (i == idx)
			return (const char *)r->data + p;
		p = (size_t)((const uint8_t *)nul - r->data) + 1;
	}
}

int bp_buf_put(struct bp_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *g = realloc(b->data, cap);
		if (!g)
			return -1;
		b->data = g;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int bp_buf_u32(struct bp_buf *b, uint32_t v)
{
	return bp_buf_put(b, &v, 4);
}

int bp_buf_u64(struct bp_buf *b, uint64_t v)
{
	return bp_buf_put(b, &v, 8);
}

int bp_buf_read_fd(struct bp_buf *b, int fd)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (bp_buf_put(b, chunk, (size_t)n))
			return -1;
	}
}

int bp_write_full(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

void bp_buf_free(struct bp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
