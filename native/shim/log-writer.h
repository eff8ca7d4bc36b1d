/* Docker's json-file log format: one JSON object per line, long lines split at 16 KiB. */
#ifndef BERTH_SHIM_LOG_WRITER_H
#define BERTH_SHIM_LOG_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LOG_LINE_MAX 16384

struct log_stream {
	const char *name; /* "stdout" | "stderr" */
	char line[LOG_LINE_MAX];
	size_t len;
};

struct log_writer {
	int fd; /* -1: no log */
	const char *path;
	uint64_t size, max_size; /* bytes in the current file; 0: never rotate */
	unsigned max_files;      /* files kept, the current one included */
	int compress;            /* gzip rotated files (in a child, so output never waits for it) */
	pid_t compressor;        /* the child compressing the last rotated file, or 0 */
	struct log_stream out, err;
	char *buf; /* encoded entries not yet written */
	size_t cap, pos;
};

struct log_rotation {
	uint64_t max_size; /* 0: never rotate */
	unsigned max_files;
	int compress;
};

/*
 * Rotation as Docker's json-file does it: before a write would take the file past max_size, it
 * becomes <path>.1 (older ones shift up to <path>.<max_files-1>, the oldest goes) and a new file
 * starts; entries are never split across files. With compress, rotated files are <path>.N.gz.
 */
int log_writer_open(struct log_writer *w, const char *path, const struct log_rotation *r);
/*
 * Appends a chunk of a stream's output: complete lines are encoded, the rest is kept. Encoded
 * entries are written when the buffer fills, and by log_writer_flush (the shim calls it whenever
 * it would wait for more output, so a follower never waits for a line).
 */
void log_writer_feed(struct log_writer *w, struct log_stream *s, const char *data, size_t n);
void log_writer_flush(struct log_writer *w);
/* Writes what is left of each stream (as partial lines) and closes the file. */
void log_writer_close(struct log_writer *w);

/* Formats t (unix ns) as Go's RFC3339Nano; returns the length. */
size_t format_rfc3339nano(uint64_t ns, char out[40]);

#endif
