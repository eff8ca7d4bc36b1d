#define _GNU_SOURCE
#include "log-writer.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

size_t format_rfc3339nano(uint64_t ns, char out[40])
{
	time_t sec = (time_t)(ns / 1000000000ull);
	unsigned frac = (unsigned)(ns % 1000000000ull);
	struct tm tm;
	gmtime_r(&sec, &tm);
	size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		/* Go trims trailing zeros of the fraction. */
		char f[11];
		snprintf(f, sizeof(f), ".%09u", frac);
		size_t fl = 10;
		while (f[fl - 1] == '0')
			fl--;
		memcpy(out + n, f, fl);
		n += fl;
	}
	out[n++] = 'Z';
	out[n] = 0;
	return n;
}

/* Bytes JSON strings must escape: controls, '"' and '\\'. */
static unsigned char needs_escape[256];

static void init_escape_table(void)
{
	for (int c = 0; c < 0x20; c++)
		needs_escape[c] = 1;
	needs_escape['"'] = 1;
	needs_escape['\\'] = 1;
}

int log_writer_open(struct log_writer *w, const char *path, const struct log_rotation *r)
{
	memset(w, 0, sizeof(*w));
	w->max_size = r->max_size;
	w->max_files = r->max_files ? r->max_files : 1;
	w->compress = r->compress;
	init_escape_table();
	w->out.name = "stdout";
	w->err.name = "stderr";
	w->fd = -1;
	if (!path)
		return 0;
	w->path = path;
	w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (w->fd < 0)
		return -1;
	struct stat st;
	w->size = fstat(w->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

static void rotated_name(char out[PATH_MAX], const char *path, unsigned i, int gz)
{
	snprintf(out, PATH_MAX, "%s.%u%s", path, i, gz ? ".gz" : "");
}

/* gzips src into dst (through dst.tmp, renamed when complete), then removes src. In a child. */
static int gzip_file(const char *src, const char *dst)
{
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return 1;
	gzFile gz = gzopen(tmp, "wb6");
	if (!gz)
		return 1;
	static char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (gzwrite(gz, buf, (unsigned)n) != (int)n)
			return 1;
	if (n < 0 || gzclose(gz) != Z_OK || rename(tmp, dst) < 0)
		return 1;
	return unlink(src) < 0;
}

/* Renames <path>.i[.gz] to <path>.i+1[.gz], whichever exists. */
static void shift(const char *path, unsigned i)
{
	char from[PATH_MAX], to[PATH_MAX];
	for (int gz = 0; gz < 2; gz++) {
		rotated_name(from, path, i, gz);
		rotated_name(to, path, i + 1, gz);
		rename(from, to);
	}
}

static void rotate(struct log_writer *w)
{
	/* A compression still running holds <path>.1: it ends before the names shift. */
	if (w->compressor > 0) {
		waitpid(w->compressor, NULL, 0);
		w->compressor = 0;
	}
	w->size = 0;
	if (w->max_files <= 1) {
		if (ftruncate(w->fd, 0) < 0) {
			/* a log that cannot shrink keeps growing: better than losing the container */
		}
		return;
	}
	char name[PATH_MAX];
	for (int gz = 0; gz < 2; gz++) {
		rotated_name(name, w->path, w->max_files - 1, gz);
		unlink(name);
	}
	for (unsigned i = w->max_files - 2; i >= 1; i--)
		shift(w->path, i);
	rotated_name(name, w->path, 1, 0);
	if (rename(w->path, name) < 0)
		return;
	int fd = open(w->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return; /* keeps writing to the renamed file */
	dup2(fd, w->fd);
	close(fd);
	if (w->compress) {
		char gzname[PATH_MAX];
		rotated_name(gzname, w->path, 1, 1);
		pid_t pid = fork();
		if (pid == 0)
			_exit(gzip_file(name, gzname));
		if (pid > 0)
			w->compressor = pid;
	}
}

/* One fixed scratch buffer that always holds at least one entry of a full-length line. */
static int reserve(struct log_writer *w)
{
	if (w->buf)
		return 0;
	w->cap = LOG_LINE_MAX * 6 + 256;
	w->buf = malloc(w->cap);
	return w->buf ? 0 : -1;
}

static const char hex[] = "0123456789abcdef";

/*
 * Appends one entry to w->buf at *pos; `tail` is `","stream":"…","time":"…"}\n`, the same for
 * every line of a chunk. Plain runs are copied whole: the worst case of a byte is \u00XX.
 */
static void encode_entry(struct log_writer *w, size_t *pos, const char *tail, size_t tail_len, const char *data, size_t n)
{
	char *o = w->buf + *pos;
	memcpy(o, "{\"log\":\"", 8);
	o += 8;
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		while (run < n && !needs_escape[(unsigned char)data[run]])
			run++;
		memcpy(o, data + i, run - i);
		o += run - i;
		if (run == n)
			break;
		unsigned char c = (unsigned char)data[run];
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		i = run + 1;
	}
	memcpy(o, tail, tail_len);
	o += tail_len;
	*pos = (size_t)(o - w->buf);
}

/* The end of every entry of a stream's chunk: stream name and the chunk's time. */
static size_t make_tail(char *out, const struct log_stream *s, const char *ts, size_t tsl)
{
	size_t n = (size_t)sprintf(out, "\",\"stream\":\"%s\",\"time\":\"", s->name);
	memcpy(out + n, ts, tsl);
	n += tsl;
	memcpy(out + n, "\"}\n", 3);
	return n + 3;
}

static size_t entry_bound(size_t n)
{
	return n * 6 + 128;
}

static void flush(struct log_writer *w, size_t len)
{
	if (w->max_size && w->size > 0 && w->size + len > w->max_size)
		rotate(w);
	w->size += len;
	size_t off = 0;
	while (off < len) {
		ssize_t r = write(w->fd, w->buf + off, len - off);
		if (r <= 0)
			return; /* a full disk loses log lines, never the container */
		off += (size_t)r;
	}
}

void log_writer_flush(struct log_writer *w)
{
	if (w->fd >= 0 && w->pos) {
		flush(w, w->pos);
		w->pos = 0;
	}
}

/* Encodes one entry, writing out what is buffered first when it would not fit. */
static void put_entry(struct log_writer *w, size_t *pos, const char *tail, size_t tail_len, const char *data, size_t n)
{
	if (*pos + entry_bound(n) > w->cap) {
		flush(w, *pos);
		*pos = 0;
	}
	encode_entry(w, pos, tail, tail_len, data, n);
}

void log_writer_feed(struct log_writer *w, struct log_stream *s, const char *data, size_t n)
{
	if (w->fd < 0 || n == 0)
		return;
	char ts[40], tail[96];
	size_t tsl = format_rfc3339nano(now_ns(), ts);
	size_t tail_len = make_tail(tail, s, ts, tsl);
	if (reserve(w) < 0)
		return;
	size_t pos = w->pos;
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;
		if (s->len + take > LOG_LINE_MAX) {
			/* Docker splits a line longer than its buffer into partial messages. */
			size_t room = LOG_LINE_MAX - s->len;
			memcpy(s->line + s->len, data, room);
			put_entry(w, &pos, tail, tail_len, s->line, LOG_LINE_MAX);
			s->len = 0;
			data += room;
			n -= room;
			continue;
		}
		if (!nl) {
			memcpy(s->line + s->len, data, take);
			s->len += take;
			break;
		}
		if (s->len) {
			memcpy(s->line + s->len, data, take);
			put_entry(w, &pos, tail, tail_len, s->line, s->len + take);
			s->len = 0;
		} else {
			put_entry(w, &pos, tail, tail_len, data, take);
		}
		data += take;
		n -= take;
	}
	w->pos = pos;
}

void log_writer_close(struct log_writer *w)
{
	log_writer_flush(w);
	if (w->fd >= 0) {
		char ts[40];
		size_t tsl = format_rfc3339nano(now_ns(), ts);
		struct log_stream *ss[2] = { &w->out, &w->err };
		for (int i = 0; i < 2; i++) {
			if (!ss[i]->len || reserve(w) < 0)
				continue;
			char tail[96];
			size_t tail_len = make_tail(tail, ss[i], ts, tsl);
			size_t pos = 0;
			put_entry(w, &pos, tail, tail_len, ss[i]->line, ss[i]->len);
			flush(w, pos);
			ss[i]->len = 0;
		}
		close(w->fd);
		w->fd = -1;
	}
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
}
