#include "common.h"

enum qlog_level qlog_level = QLOG_WARN;
static FILE *qlog_stream;

static const char *const level_names[] = {
	[QLOG_ERROR] = "error", [QLOG_WARN] = "warn",	[QLOG_INFO] = "info",
	[QLOG_DEBUG] = "debug", [QLOG_TRACE] = "trace",
};

int qlog_set_level_name(const char *name)
{
	if (name[0] >= '0' && name[0] <= '4' && name[1] == '\0') {
		qlog_level = (enum qlog_level)(name[0] - '0');
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			qlog_level = (enum qlog_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void qlog_set_stream(FILE *f)
{
	qlog_stream = f;
}

void qlog(enum qlog_level level, const char *fmt, ...)
{
	FILE *out = qlog_stream ? qlog_stream : stderr;
	int saved = errno;
	char line[1024];
	va_list ap;

	if (!qlog_enabled(level))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per message so lines from several processes do not interleave. */
	if (level == QLOG_ERROR)
		(void)fprintf(out, "qrun: %s\n", line);
	else
		(void)fprintf(out, "qrun: %s: %s\n", level_names[level], line);
	(void)fflush(out);
	errno = saved;
}
