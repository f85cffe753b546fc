/*
 * sockprobe: the socket calls whose results come back through the caller's memory (msg_len
 * of sendmmsg/recvmmsg, msg_namelen, msg_flags and msg_controllen of recvmsg, the address
 * lengths of recvfrom, accept, getsockname and getpeername), made by a program in the guest.
 * It prints what it sees, one line per call; t205 compares that with a native run.
 *
 *   sockprobe udp                    UDP on 127.0.0.1: nothing for qrun to translate
 *   sockprobe unix DIR               AF_UNIX sockets bound to paths in DIR: translated names
 *   sockprobe restart DIR            accept and sendmmsg (AF_UNIX, DIR) blocked, interrupted by
 *                                    signals whose handler (SA_RESTART) scribbles on the stack,
 *                                    and restarted by the kernel
 *   sockprobe resolve NAME ADDR PORT getaddrinfo(NAME) asking the DNS server ADDR:PORT (set in
 *                                    glibc's _res, so PORT need not be 53)
 *
 * Names under DIR are printed as "DIR/x", lengths of AF_UNIX names as "path+N" (N = length
 * minus the path's length), so native and guest runs print the same.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <fcntl.h>
#include <resolv.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <unistd.h>

static const char *dir;

static void die(const char *what)
{
	printf("%s: error %m\n", what);
	exit(1);
}

static struct sockaddr_un unix_addr(const char *name, socklen_t *ret_len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun.sun_path) + 1);
	return sun;
}

/* " name=DIR/x len=path+N" for an AF_UNIX name the kernel (or qrun) returned */
static void print_name(const void *addr, socklen_t len)
{
	const struct sockaddr_un *sun = addr;
	size_t dl = strlen(dir);

	if (len <= offsetof(struct sockaddr_un, sun_path)) {
		printf(" name=unnamed len=%u", len);
		return;
	}
	if (sun->sun_family != AF_UNIX) {
		printf(" family=%d len=%u", sun->sun_family, len);
		return;
	}
	if (strncmp(sun->sun_path, dir, dl) == 0)
		printf(" name=DIR%s", sun->sun_path + dl);
	else
		printf(" name=%s", sun->sun_path);
	printf(" len=path+%d", (int)len - (int)strlen(sun->sun_path));
}

static int unix_socket(int type, const char *name)
{
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	struct sockaddr_un sun;
	socklen_t len;

	if (fd < 0)
		die("socket");
	if (name) {
		sun = unix_addr(name, &len);
		unlink(sun.sun_path);
		if (bind(fd, (struct sockaddr *)&sun, len) < 0)
			die("bind");
	}
	return fd;
}

/* sendmmsg of datagrams of 5 and 7 bytes (and 3 more if three) to name (NULL: connected) */
static void send_two(int fd, const void *name, socklen_t nlen, unsigned n)
{
	static char data[] = "0123456789abcdef";
	struct iovec iov[3] = { { data, 5 }, { data, 7 }, { data, 3 } };
	struct mmsghdr mm[3];
	int r;

	memset(mm, 0, sizeof(mm));
	for (unsigned i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = (void *)name;
		mm[i].msg_hdr.msg_namelen = nlen;
		mm[i].msg_len = 0xdead; /* the kernel overwrites it for each datagram it sends */
	}
	r = sendmmsg(fd, mm, n, 0);
	if (r < 0)
		die("sendmmsg");
	printf("sendmmsg%s %d:", name ? " to" : "", r);
	for (unsigned i = 0; i < n; i++)
		printf(" %u", mm[i].msg_len);
	/* the guest's own array must be as it wrote it, but for msg_len */
	for (unsigned i = 0; i < n; i++) {
		if (mm[i].msg_hdr.msg_name != name || mm[i].msg_hdr.msg_namelen != nlen ||
		    mm[i].msg_hdr.msg_iov != &iov[i])
			printf(" (message %u changed)", i);
	}
	printf("\n");
}

/* recvmmsg of up to 4 waiting datagrams with their names */
static void recv_batch(int fd, bool unix_names)
{
	char bufs[4][32];
	struct sockaddr_storage names[4];
	struct iovec iov[4];
	struct mmsghdr mm[4];
	int r;

	memset(mm, 0, sizeof(mm));
	for (unsigned i = 0; i < 4; i++) {
		iov[i] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &names[i];
		mm[i].msg_hdr.msg_namelen = sizeof(names[i]);
	}
	r = recvmmsg(fd, mm, 4, MSG_DONTWAIT, NULL);
	if (r < 0)
		die("recvmmsg");
	printf("recvmmsg %d:", r);
	for (int i = 0; i < r; i++) {
		printf(" [%u", mm[i].msg_len);
		if (unix_names)
			print_name(&names[i], mm[i].msg_hdr.msg_namelen);
		else
			printf(" namelen=%u", mm[i].msg_hdr.msg_namelen);
		printf(" flags=%#x]", mm[i].msg_hdr.msg_flags);
	}
	printf("\n");
}

static void udp(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(to);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (rx < 0 || tx < 0 || tx2 < 0 || bind(rx, (struct sockaddr *)&to, len) < 0 ||
	    getsockname(rx, (struct sockaddr *)&to, &len) < 0 ||
	    connect(tx, (struct sockaddr *)&to, len) < 0)
		die("udp setup");
	send_two(tx, NULL, 0, 2); /* what glibc's resolver does: A and AAAA in one call */
	send_two(tx2, &to, len, 2);
	recv_batch(rx, false);
}

static void unix_recvmsg(int rx, int tx, const struct sockaddr_un *to, socklen_t tolen)
{
	char small[4], ctrl[CMSG_SPACE(sizeof(int)) + 16];
	struct iovec iov = { (void *)"0123456789", 10 };
	struct sockaddr_un from;
	struct msghdr m = { 0 };
	struct cmsghdr *c;
	int fd = 0;

	/* a datagram with an fd, sent with sendmsg to a path, read into a 4-byte buffer */
	m.msg_name = (void *)to;
	m.msg_namelen = tolen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctrl;
	m.msg_controllen = CMSG_SPACE(sizeof(int));
	memset(ctrl, 0, sizeof(ctrl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	printf("sendmsg to %zd", sendmsg(tx, &m, 0));
	if (m.msg_name != to || m.msg_namelen != tolen)
		printf(" (msghdr changed)");
	printf("\n");

	memset(&m, 0, sizeof(m));
	memset(ctrl, 0, sizeof(ctrl));
	iov = (struct iovec){ small, sizeof(small) };
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctrl;
	m.msg_controllen = sizeof(ctrl);
	m.msg_flags = 0x7fff0000; /* output only: the kernel overwrites it */
	printf("recvmsg %zd:", recvmsg(rx, &m, MSG_DONTWAIT));
	print_name(&from, m.msg_namelen);
	c = CMSG_FIRSTHDR(&m);
	printf(" flags=%s controllen=%s rights=%s\n",
	       m.msg_flags == MSG_TRUNC ? "MSG_TRUNC" : "other",
	       m.msg_controllen == CMSG_SPACE(sizeof(int)) ? "CMSG_SPACE(int)" : "other",
	       c && c->cmsg_type == SCM_RIGHTS ? "yes" : "no");
	if (c && c->cmsg_type == SCM_RIGHTS) {
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		close(fd);
	}
}

static void unix_stream(void)
{
	struct sockaddr_un to, name;
	socklen_t tolen, len;
	int l = unix_socket(SOCK_STREAM, "listen"), c = unix_socket(SOCK_STREAM, "client"), a, r;
	int anon = unix_socket(SOCK_STREAM, NULL);

	to = unix_addr("listen", &tolen);
	if (listen(l, 4) < 0 || connect(c, (struct sockaddr *)&to, tolen) < 0 ||
	    connect(anon, (struct sockaddr *)&to, tolen) < 0)
		die("stream setup");
	len = sizeof(name);
	a = accept(l, (struct sockaddr *)&name, &len);
	printf("accept %s:", a >= 0 ? "ok" : "error");
	print_name(&name, len);
	printf("\n");
	len = sizeof(name);
	a = accept4(l, (struct sockaddr *)&name, &len, SOCK_CLOEXEC);
	printf("accept4 %s:", a >= 0 ? "ok" : "error");
	print_name(&name, len);
	printf("\n");
	len = sizeof(name);
	printf("getsockname %d:", getsockname(c, (struct sockaddr *)&name, &len));
	print_name(&name, len);
	printf("\n");
	len = sizeof(name);
	printf("getpeername %d:", getpeername(c, (struct sockaddr *)&name, &len));
	print_name(&name, len);
	printf("\n");
	/* a buffer too small for the name: cut, and the full length reported */
	len = offsetof(struct sockaddr_un, sun_path) + 3;
	memset(&name, 'x', sizeof(name));
	r = getsockname(c, (struct sockaddr *)&name, &len);
	printf("getsockname small %d: len=path+%d cut=%s\n", r,
	       (int)len - (int)(strlen(dir) + strlen("/client")),
	       name.sun_path[3] == 'x' ? "yes" : "no");
}

static void unix_all(void)
{
	int rx = unix_socket(SOCK_DGRAM, "rx"), tx = unix_socket(SOCK_DGRAM, "tx");
	struct sockaddr_un to, from;
	socklen_t tolen, flen = sizeof(from);
	char buf[32];

	to = unix_addr("rx", &tolen);
	send_two(tx, &to, tolen, 3);
	recv_batch(rx, true);
	unix_recvmsg(rx, tx, &to, tolen);
	printf("sendto %zd\n", sendto(tx, "hello", 5, 0, (struct sockaddr *)&to, tolen));
	printf("recvfrom %zd:", recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	print_name(&from, flen);
	printf("\n");
	unix_stream();
}

static volatile sig_atomic_t alarms;

/* The signal frame and this handler's locals cover what lies below the interrupted call's
 * stack pointer: where a tracer's scratch copies are. (No system call: only memory.) */
static void on_alarm(int sig)
{
	volatile char junk[16384];

	for (size_t i = 0; i < sizeof(junk); i += 64)
		junk[i] = (char)sig;
	alarms++;
}

/* Signals every 20 ms from now on (SA_RESTART: the kernel restarts what they interrupt). */
static void start_alarms(void)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };

	alarms = 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		die("alarms");
}

static void stop_alarms(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 0 } };

	(void)setitimer(ITIMER_REAL, &it, NULL);
}

static void restart(void)
{
	int l = unix_socket(SOCK_STREAM, "listen"), rx = unix_socket(SOCK_DGRAM, "rx");
	int tx = unix_socket(SOCK_DGRAM, "tx"), a, st;
	struct sockaddr_un to, name, want;
	socklen_t tolen, len;
	pid_t pid;

	/* accept with a name buffer too small for the path (a sockaddr_in's 16 bytes) */
	to = unix_addr("listen", &tolen);
	if (listen(l, 4) < 0)
		die("listen");
	pid = fork();
	if (pid == 0) {
		int c = unix_socket(SOCK_STREAM, "client");

		usleep(200000);
		_exit(connect(c, (struct sockaddr *)&to, tolen) < 0);
	}
	start_alarms();
	memset(&name, 0, sizeof(name));
	len = 16;
	a = accept(l, (struct sockaddr *)&name, &len);
	stop_alarms();
	waitpid(pid, &st, 0);
	want = unix_addr("client", &tolen);
	/* 16 bytes hold the family and the first 14 bytes of the path */
	printf("accept %s, %s: len=path+%d name=%s\n", a >= 0 ? "ok" : "error",
	       alarms ? "interrupted" : "never interrupted", (int)len - (int)strlen(want.sun_path),
	       strncmp(name.sun_path, want.sun_path, 14) == 0 ? "DIR/client, cut" : name.sun_path);

	/* sendmmsg to a path whose receiver's queue is full: it waits for a reader */
	to = unix_addr("rx", &tolen);
	if (fcntl(tx, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");
	while (sendto(tx, "x", 1, 0, (struct sockaddr *)&to, tolen) == 1)
		;
	if (fcntl(tx, F_SETFL, 0) < 0)
		die("fcntl");
	pid = fork();
	if (pid == 0) {
		char b[8];

		usleep(200000);
		while (recv(rx, b, sizeof(b), MSG_DONTWAIT) > 0)
			;
		_exit(0);
	}
	start_alarms();
	send_two(tx, &to, tolen, 2);
	stop_alarms();
	waitpid(pid, &st, 0);
	printf("sendmmsg %s\n", alarms ? "interrupted" : "never interrupted");
}

static int resolve(const char *name, const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
	struct sockaddr_in ns = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int e;

	if (res_init() < 0 || inet_pton(AF_INET, addr, &ns.sin_addr) != 1)
		die("res_init");
	/* glibc keeps a _res changed after res_init: the server and its port are ours */
	_res.nscount = 1;
	_res.nsaddr_list[0] = ns;
	_res.retrans = 2;
	_res.retry = 1;
	e = getaddrinfo(name, NULL, &hints, &res);
	if (e) {
		printf("getaddrinfo %s: %s\n", name, gai_strerror(e));
		return 1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char text[INET6_ADDRSTRLEN];
		const void *a =
		    ai->ai_family == AF_INET
			? (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr
			: (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;

		printf("%s\n", inet_ntop(ai->ai_family, a, text, sizeof(text)));
	}
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && strcmp(argv[1], "udp") == 0) {
		udp();
	} else if (argc == 3 && strcmp(argv[1], "unix") == 0) {
		dir = argv[2];
		unix_all();
	} else if (argc == 3 && strcmp(argv[1], "restart") == 0) {
		dir = argv[2];
		restart();
	} else if (argc == 5 && strcmp(argv[1], "resolve") == 0) {
		return resolve(argv[2], argv[3], argv[4]);
	} else {
		fprintf(stderr,
			"usage: sockprobe udp | unix DIR | restart DIR | resolve NAME ADDR PORT\n");
		return 2;
	}
	return 0;
}
