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

int log_writer_open(struct log_writer *w, const char *path)
{
	memset(w, 0, sizeof(*w));
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

/* Appends one entry to w->buf at *pos. The worst case of a byte is \u00XX: 6 bytes. */
static void encode_entry(struct log_writer *w, size_t *pos, const struct log_stream *s, const char *ts, size_t tsl,
			 const char *data, size_t n)
{
	char *o = w->buf + *pos;
	memcpy(o, "{\"log\":\"", 8);
	o += 8;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
			continue;
		}
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
	}
	o += sprintf(o, "\",\"stream\":\"%s\",\"time\":\"", s->name);
	memcpy(o, ts, tsl);
	o += tsl;
	memcpy(o, "\"}\n", 3);
	o += 3;
	*pos = (size_t)(o - w->buf);
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

/* Encodes one entry, writing out what is buffered first when it would not fit. */
static void put_entry(struct log_writer *w, size_t *pos, const struct log_stream *s, const char *ts, size_t tsl,
		      const char *data, size_t n)
{
	if (*pos + entry_bound(n) > w->cap) {
		flush(w, *pos);
		*pos = 0;
	}
	encode_entry(w, pos, s, ts, tsl, data, n);
}

void log_writer_feed(struct log_writer *w, struct log_stream *s, const char *data, size_t n)
{
	if (w->fd < 0 || n == 0)
		return;
	char ts[40];
	size_t tsl = format_rfc3339nano(now_ns(), ts);
	if (reserve(w) < 0)
		return;
	size_t pos = 0;
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) + 1 : n;
		if (s->len + take > LOG_LINE_MAX) {
			/* Docker splits a line longer than its buffer into partial messages. */
			size_t room = LOG_LINE_MAX - s->len;
			memcpy(s->line + s->len, data, room);
			put_entry(w, &pos, s, ts, tsl, s->line, LOG_LINE_MAX);
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
			put_entry(w, &pos, s, ts, tsl, s->line, s->len + take);
			s->len = 0;
		} else {
			put_entry(w, &pos, s, ts, tsl, data, take);
		}
		data += take;
		n -= take;
	}
	flush(w, pos);
}

void log_writer_close(struct log_writer *w)
{
	if (w->fd >= 0) {
		char ts[40];
		size_t tsl = format_rfc3339nano(now_ns(), ts);
		struct log_stream *ss[2] = { &w->out, &w->err };
		for (int i = 0; i < 2; i++) {
			if (!ss[i]->len || reserve(w) < 0)
				continue;
			size_t pos = 0;
			put_entry(w, &pos, ss[i], ts, tsl, ss[i]->line, ss[i]->len);
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
