#define _GNU_SOURCE
#include "log-writer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int log_writer_open(struct log_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	init_escape_table();
	w->out.name = "stdout";
	w->err.name = "stderr";
	w->fd = -1;
	if (!path)
		return 0;
	w->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	return w->fd < 0 ? -1 : 0;
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
