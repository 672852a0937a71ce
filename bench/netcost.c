/*
 * netcost.c - what the network kernel rules cost: TCP connections on
 * loopback (127.0.0.1 only), a client thread and a server thread, best
 * of ROUNDS rounds of N connections each.
 *
 *   netcost connect N  ->  connect_close_per_s R   (the client's loop:
 *                          socket, connect, close; the server accepts)
 *   netcost accept N   ->  accept_close_per_s R    (the server's loop:
 *                          accept, close; the client connects)
 *
 * The client closes with SO_LINGER 0 (a reset), so no TIME_WAIT fills
 * the ephemeral ports.  Each connection is one connect and one accept4
 * in the audit log when their rules are on.
 */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define ROUNDS	3

static struct sockaddr_in addr;
static long n;

static void *
server(void *arg)
{
	int l = *(int *)arg, c;
	long i;

	for (i = 0; i < n; i++) {
		if ((c = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			perror("accept4");
			exit(1);
		}
		close(c);
	}
	return NULL;
}

static void *
client(void *arg)
{
	struct linger lg = { 1, 0 };
	long i;
	int s;

	(void)arg;
	for (i = 0; i < n; i++) {
		if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
			perror("socket");
			exit(1);
		}
		if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
			perror("connect");
			exit(1);
		}
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(s);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	double best = 0, t0, r;
	socklen_t len = sizeof(addr);
	pthread_t th;
	int l, k, acc, one = 1;

	if (argc != 3 || (n = atol(argv[2])) <= 0 ||
	    (strcmp(argv[1], "connect") != 0 && strcmp(argv[1], "accept"))) {
		fprintf(stderr, "usage: netcost connect|accept N\n");
		return 2;
	}
	acc = strcmp(argv[1], "accept") == 0;
	for (k = 0; k < ROUNDS; k++) {
		memset(&addr, 0, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if ((l = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) != 0 ||
		    bind(l, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
		    listen(l, 4096) != 0 ||
		    getsockname(l, (struct sockaddr *)&addr, &len) != 0) {
			perror("listener on 127.0.0.1");
			return 1;
		}
		/* the measured loop runs on this thread */
		if (pthread_create(&th, NULL, acc ? client : server, &l) != 0) {
			perror("pthread_create");
			return 1;
		}
		t0 = bench_now();
		if (acc)
			server(&l);
		else
			client(NULL);
		r = (double)n / (bench_now() - t0);
		pthread_join(th, NULL);
		close(l);
		if (r > best)
			best = r;
	}
	printf("%s_close_per_s %.0f\n", argv[1], best);
	return 0;
}
