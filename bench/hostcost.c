/*
 * hostcost.c - what audit rules cost a process that audit does not
 * watch: open()+close() and fstat() of an unwatched file, best of ROUNDS
 * rounds of N calls each (the best round is the one least disturbed).
 *
 *   hostcost FILE N   ->  open_close_per_s R1 fstat_per_s R2
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

#define ROUNDS	5

int
main(int argc, char **argv)
{
	double best_open = 0, best_stat = 0, t0, r;
	struct stat st;
	long n, i;
	int k, fd;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: hostcost FILE N\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (k = 0; k < ROUNDS; k++) {
		t0 = bench_now();
		for (i = 0; i < n; i++) {
			int f = open(argv[1], O_RDONLY);

			if (f < 0) {
				perror("open");
				return 1;
			}
			close(f);
		}
		r = (double)n / (bench_now() - t0);
		if (r > best_open)
			best_open = r;
		t0 = bench_now();
		for (i = 0; i < n; i++)
			if (fstat(fd, &st) != 0) {
				perror("fstat");
				return 1;
			}
		r = (double)n / (bench_now() - t0);
		if (r > best_stat)
			best_stat = r;
	}
	close(fd);
	printf("open_close_per_s %.0f fstat_per_s %.0f\n", best_open,
	    best_stat);
	return 0;
}
