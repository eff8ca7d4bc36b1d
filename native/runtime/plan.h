/* Reading plan records: a flat, bounds-checked view over a byte buffer. */
#ifndef BERTH_RUNTIME_PLAN_H
#define BERTH_RUNTIME_PLAN_H

#include <stddef.h>
#include <stdint.h>

struct bp_rec {
	uint16_t tag;
	uint32_t len;
	const uint8_t *data;
};

/* A parsed list of records. The records point into the original buffer. */
struct bp_plan {
	struct bp_rec *recs;
	size_t n;
};

/* Splits buf into records. Returns 0, or -1 when a record overruns the buffer. */
int bp_plan_parse(const uint8_t *buf, size_t len, struct bp_plan *out);
void bp_plan_free(struct bp_plan *p);

/* Field readers: each checks the bounds and returns -1 when the field is missing. */
int bp_u16(const struct bp_rec *r, size_t off, uint16_t *v);
int bp_u32(const struct bp_rec *r, size_t off, uint32_t *v);
int bp_u64(const struct bp_rec *r, size_t off, uint64_t *v);
/* The idx-th NUL-terminated string starting at byte off, or NULL. */
const char *bp_str(const struct bp_rec *r, size_t off, int idx);

/* Appending records and messages to a growable buffer (reports, shim messages). */
struct bp_buf {
	uint8_t *data;
	size_t len, cap;
};
int bp_buf_put(struct bp_buf *b, const void *p, size_t n);
int bp_buf_u32(struct bp_buf *b, uint32_t v);
int bp_buf_u64(struct bp_buf *b, uint64_t v);
/* Appends everything `fd` holds until end of file; -1 with errno on a read or allocation error. */
int bp_buf_read_fd(struct bp_buf *b, int fd);
/* Writes all n bytes (retrying short writes and EINTR); -1 with errno on an error. */
int bp_write_full(int fd, const void *p, size_t n);
void bp_buf_free(struct bp_buf *b);

#endif
