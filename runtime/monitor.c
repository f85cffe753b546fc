/*
 * A container on its own (`run -d`, `start` without -a, `restart`): conmon's role. qrun forks a
 * monitor in a new session (it outlives the terminal), which forks the runner: the tracer of
 * the container, its stdout and stderr two pipes. The monitor writes what arrives to the
 * container's log, one JSON line per line of output in docker's json-file format:
 *
 *   {"log":"text\n","stream":"stdout","time":"2026-12-04T14:31:02.123456789Z"}
 *
 * (a line longer than 16 KiB is cut into several entries, as docker does), rotating `log` to
 * `log.1` past 10 MiB. The runner records the state (running, then the exit status and time)
 * and dies with the monitor (PR_SET_PDEATHSIG), so a killed monitor leaves no container
 * running unseen; the monitor ends when the runner's pipes close. The parent returns once
 * the container's first process runs (or the start failed).
 */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define LOG_MAX	 (10u << 20)
#define LINE_MAX (16u << 10)

struct log_out {
	int fd;
	char *path;
	off_t size;
};

static void log_entry(struct log_out *l, const char *stream, const char *text, size_t len)
{
	struct spec_json *j = spec_json_new(false);
	_cleanup_free_ char *t = xstrndup(text, len), *line = NULL, *when = runtime_now();
	size_t n;

	spec_json_object_begin(j);
	spec_json_key(j, "log");
	spec_json_string(j, t);
	spec_json_key(j, "stream");
	spec_json_string(j, stream);
	spec_json_key(j, "time");
	spec_json_string(j, when);
	spec_json_object_end(j);
	line = spec_json_finish(j, &n);
	line = xrealloc(line, n + 2);
	line[n++] = '\n';
	if (l->size + (off_t)n > (off_t)LOG_MAX) {
		_cleanup_free_ char *old = xasprintf("%s.1", l->path);
		int fd;

		if (rename(l->path, old) == 0 &&
		    (fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) >= 0) {
			close(l->fd);
			l->fd = fd;
			l->size = 0;
		}
	}
	if (write_all(l->fd, line, n) == 0)
		l->size += (off_t)n;
}

struct stream {
	int fd;
	const char *name;
	char buf[LINE_MAX];
	size_t len;
};

/* Read what is there; log each whole line (or a full buffer); at EOF the rest. */
static bool pump(struct log_out *l, struct stream *s)
{
	ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
	size_t start = 0;

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		if (s->len)
			log_entry(l, s->name, s->buf, s->len);
		s->len = 0;
		return false;
	}
	s->len += (size_t)n;
	for (size_t i = 0; i < s->len; i++) {
		if (s->buf[i] == '\n') {
			log_entry(l, s->name, s->buf + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start == 0 && s->len == sizeof(s->buf)) {
		log_entry(l, s->name, s->buf, s->len); /* a line longer than the buffer */
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
	return true;
}

static void monitor(struct container *c, int out, int err, pid_t runner)
{
	struct log_out l = { .path = xasprintf("%s/log", c->dir) };
	struct stream *s = xcalloc(2, sizeof(*s));
	struct stat st;
	int open_n = 2;

	s[0] = (struct stream){ .fd = out, .name = "stdout" };
	s[1] = (struct stream){ .fd = err, .name = "stderr" };
	l.fd = open(l.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	l.size = l.fd >= 0 && fstat(l.fd, &st) == 0 ? st.st_size : 0;
	while (open_n > 0) {
		struct pollfd p[2] = { { .fd = s[0].fd, .events = POLLIN },
				       { .fd = s[1].fd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (s[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (!pump(&l, &s[i])) {
				close(s[i].fd);
				s[i].fd = -1;
				open_n--;
			}
		}
	}
	(void)waitpid(runner, NULL, 0);
}

int monitor_start(struct cmd_ctx *ctx, struct container *c,
		  int (*run)(struct cmd_ctx *ctx, struct container *c))
{
	int ready[2], out[2], err[2], fd;
	pid_t pid, runner;
	char b;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return qerr_set_errno(&ctx->err, -errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return qerr_set_errno(&ctx->err, -errno, "fork");
	if (pid > 0) {
		close(ready[1]);
		/* a byte once the first process runs; EOF when the start failed */
		if (read(ready[0], &b, 1) != 1) {
			close(ready[0]);
			(void)waitpid(pid, NULL, WNOHANG);
			return qerr_set(&ctx->err, -EIO,
					"container '%s' could not start (see 'qrun logs %s')",
					c->state.name, c->state.name);
		}
		close(ready[0]);
		return 0;
	}
	/* the monitor */
	close(ready[0]);
	(void)setsid();
	(void)signal(SIGPIPE, SIG_IGN);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
		_exit(125);
	runner = fork();
	if (runner < 0)
		_exit(125);
	if (runner == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)signal(SIGPIPE, SIG_DFL);
		(void)dup2(out[1], STDOUT_FILENO);
		(void)dup2(err[1], STDERR_FILENO);
		close(out[0]);
		close(err[0]);
		c->ready_fd = ready[1];
		_exit(run(ctx, c) & 0xff);
	}
	close(ready[1]);
	close(out[1]);
	close(err[1]);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
	monitor(c, out[0], err[0], runner);
	_exit(0);
}
