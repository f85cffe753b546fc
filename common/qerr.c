#include "common.h"

static void qerr_vformat(struct qerr *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

/* dst = "a: b", cut to fit n bytes (messages are for humans; a cut tail is acceptable). */
static void join(char *dst, size_t n, const char *a, const char *b)
{
	size_t la = strnlen(a, n - 1), lb;

	memcpy(dst, a, la);
	if (la + 2 < n) {
		memcpy(dst + la, ": ", 2);
		la += 2;
	}
	lb = strnlen(b, n - 1 - la);
	memcpy(dst + la, b, lb);
	dst[la + lb] = '\0';
}

int qerr_set(struct qerr *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	qerr_vformat(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int qerr_set_errno(struct qerr *err, int code, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	qerr_vformat(err, code, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	join(err->msg, sizeof(err->msg), old, strerror(-code));
	return code;
}

int qerr_wrap(struct qerr *err, int code, const char *fmt, ...)
{
	char prefix[sizeof(err->msg)];
	char old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	join(err->msg, sizeof(err->msg), prefix, old[0] ? old : strerror(-code));
	err->code = code;
	return code;
}

void qerr_clear(struct qerr *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
