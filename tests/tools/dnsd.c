/*
 * dnsd: a tiny UDP DNS server for the resolver tests. It answers A and AAAA queries for one
 * name with fixed addresses, NXDOMAIN for every other name, and exits by itself after a few
 * seconds (or when killed), so a test that forgets it leaves nothing running for long.
 *
 *   dnsd [-t SECONDS] ADDR PORT NAME IPV4 IPV6
 *
 *   ADDR    the IPv4 address to listen on (any of 127.0.0.0/8 works on Linux)
 *   PORT    the UDP port, 0 for one the kernel picks
 *   -t      how long to serve (default 30 seconds)
 *
 * Once it listens, it prints the port on stdout (one line) and then serves; each query is
 * logged on stderr as "dnsd: QTYPE NAME" (QTYPE A, AAAA or other). It ends on SIGALRM when
 * the time is up, or exits 1 when it cannot listen, 2 on bad usage.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define T_A    1
#define T_AAAA 28

/* The question name at q (length n) as dotted text in out; returns its length on the wire. */
static int read_name(const unsigned char *q, size_t n, char *out, size_t size)
{
	size_t i = 0, o = 0;

	while (i < n && q[i]) {
		size_t len = q[i];

		if (len > 63 || i + 1 + len > n || o + len + 2 > size)
			return -1; /* compression pointers never appear in a question we accept */
		if (o)
			out[o++] = '.';
		for (size_t k = 0; k < len; k++)
			out[o++] = (char)tolower(q[i + 1 + k]);
		i += 1 + len;
	}
	if (i >= n)
		return -1;
	out[o] = '\0';
	return (int)i + 1;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

int main(int argc, char **argv)
{
	struct in_addr a4, listen_addr;
	struct in6_addr a6;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	unsigned seconds = 30;
	const char *name;
	char *end;
	long port;
	int fd, opt;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt != 't')
			return 2;
		seconds = (unsigned)strtoul(optarg, &end, 10);
		if (*end || seconds == 0)
			return 2;
	}
	if (argc - optind != 5) {
		fprintf(stderr, "usage: dnsd [-t SECONDS] ADDR PORT NAME IPV4 IPV6\n");
		return 2;
	}
	port = strtol(argv[optind + 1], &end, 10);
	name = argv[optind + 2];
	if (inet_pton(AF_INET, argv[optind], &listen_addr) != 1 || *end || port < 0 ||
	    port > 65535 || inet_pton(AF_INET, argv[optind + 3], &a4) != 1 ||
	    inet_pton(AF_INET6, argv[optind + 4], &a6) != 1) {
		fprintf(stderr, "dnsd: bad address or port\n");
		return 2;
	}
	/* SIGALRM's default action ends the process: the time limit needs no loop logic. */
	alarm(seconds);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sin.sin_addr = listen_addr;
	sin.sin_port = htons((unsigned short)port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) < 0) {
		fprintf(stderr, "dnsd: cannot listen on %s:%ld: %s\n", argv[optind], port,
			strerror(errno));
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	fflush(stdout);

	for (;;) {
		unsigned char buf[512], out[512];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		char qname[256];
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		unsigned qtype, qd_end, rdlen = 0;
		const void *rdata = NULL;
		bool match;
		size_t o;
		int nl;

		if (n < 12 + 5 || (buf[2] & 0x80) || buf[4] != 0 || buf[5] != 1)
			continue; /* not a query with one question */
		nl = read_name(buf + 12, (size_t)n - 12, qname, sizeof(qname));
		if (nl < 0 || 12 + (size_t)nl + 4 > (size_t)n ||
		    12 + (size_t)nl + 4 + 28 > sizeof(out))
			continue;
		qd_end = 12 + (unsigned)nl + 4;
		qtype = (unsigned)buf[12 + nl] << 8 | buf[12 + nl + 1];
		match = strcasecmp(qname, name) == 0;
		if (match && qtype == T_A)
			rdata = &a4, rdlen = 4;
		else if (match && qtype == T_AAAA)
			rdata = &a6, rdlen = 16;
		fprintf(stderr, "dnsd: %s %s\n",
			qtype == T_A	  ? "A"
			: qtype == T_AAAA ? "AAAA"
					  : "other",
			qname);

		/* header: same id, QR, opcode and RD as asked, RA; NXDOMAIN for other names */
		memcpy(out, buf, qd_end);
		out[2] = (unsigned char)(0x80 | (buf[2] & 0x79));
		out[3] = (unsigned char)(0x80 | (match ? 0 : 3));
		put16(out + 6, rdata ? 1 : 0); /* ANCOUNT */
		put16(out + 8, 0);	       /* NSCOUNT */
		put16(out + 10, 0);	       /* ARCOUNT: any EDNS OPT of the query is dropped */
		o = qd_end;
		if (rdata) {
			put16(out + o, 0xc00c); /* the name: a pointer to the question's */
			put16(out + o + 2, qtype);
			put16(out + o + 4, 1); /* IN */
			put16(out + o + 6, 0); /* TTL 60 */
			put16(out + o + 8, 60);
			put16(out + o + 10, rdlen);
			memcpy(out + o + 12, rdata, rdlen);
			o += 12 + rdlen;
		}
		(void)sendto(fd, out, o, 0, (struct sockaddr *)&from, flen);
	}
}
