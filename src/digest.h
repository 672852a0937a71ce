/*
 * digest.h - SHA-256 (FIPS 180-4) and MD5 (RFC 1321), for the evidence a
 * finding carries (evidence.c) and `audrift diff`: the image's file and
 * dpkg's *.md5sums are compared by digest.  Written here: audrift's
 * dependencies are fixed (libaudit, libauparse, PCRE2, SQLite).
 *
 * Contexts are plain structs on the caller's stack; nothing is allocated.
 */
#ifndef AUDRIFT_DIGEST_H
#define AUDRIFT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct ad_sha256 {
	uint32_t h[8];
	uint64_t len;			/* bytes so far */
	unsigned char blk[64];
	size_t n;			/* bytes waiting in blk */
};

struct ad_md5 {
	uint32_t h[4];
	uint64_t len;
	unsigned char blk[64];
	size_t n;
};

#define AD_SHA256_HEX	65		/* 64 hex digits and a NUL */
#define AD_MD5_HEX	33

void ad_sha256_init(struct ad_sha256 *c);
void ad_sha256_update(struct ad_sha256 *c, const void *p, size_t n);
/* Writes the digest as lower-case hex into hex[AD_SHA256_HEX]. */
void ad_sha256_hex(struct ad_sha256 *c, char *hex);

void ad_md5_init(struct ad_md5 *c);
void ad_md5_update(struct ad_md5 *c, const void *p, size_t n);
void ad_md5_hex(struct ad_md5 *c, char *hex);

/*
 * Hash the regular file open at fd (read from its current offset to EOF)
 * with both digests; either hex output may be NULL to skip it.  At most
 * max bytes are read, and reading stops at deadline_ms (CLOCK_MONOTONIC
 * ms, 0: none).  Returns 0 done, 1 the file is longer than max, 2 the
 * deadline passed (outputs untouched), -1 read error (errno set).
 */
int ad_digest_fd(int fd, uint64_t max, int64_t deadline_ms, char *sha_hex,
    char *md5_hex);

#endif
