/*
 * digest.h - SHA-256 and MD5 through OpenSSL's libcrypto (EVP), for the
 * evidence a finding carries (evidence.c), `audrift diff` and the rules
 * digest.  A FIPS-mode host gets its validated provider's SHA-256.  MD5
 * is fetched with the "-fips" property query (a non-FIPS implementation
 * is fine: it only compares files with dpkg's *.md5sums, never protects
 * anything) and may be unavailable: callers then say so.
 *
 * Ownership: ad_digest_new returns an owned context; ad_digest_free(NULL)
 * is a no-op.
 */
#ifndef AUDRIFT_DIGEST_H
#define AUDRIFT_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define AD_SHA256_HEX	65		/* 64 hex digits and a NUL */
#define AD_MD5_HEX	33

enum ad_digest_algo {
	AD_DIGEST_SHA256,
	AD_DIGEST_MD5		/* dpkg's *.md5sums only */
};

struct ad_digest;

/* A context, or NULL when libcrypto has no such algorithm (MD5 on a FIPS
 * host without the default provider) or no memory. */
struct ad_digest *ad_digest_new(enum ad_digest_algo algo);
void ad_digest_update(struct ad_digest *d, const void *p, size_t n);
/* The digest as lower-case hex into hex (AD_SHA256_HEX or AD_MD5_HEX
 * bytes); the context starts over.  0 ok, -1 libcrypto failed (hex ""). */
int ad_digest_hex(struct ad_digest *d, char *hex);
void ad_digest_free(struct ad_digest *d);

/* One buffer's digest as hex.  0 ok, -1 unavailable (hex ""). */
int ad_digest_buf(enum ad_digest_algo algo, const void *p, size_t n,
    char *hex);

/*
 * Hash the regular file open at fd (read from its current offset to EOF)
 * with both digests; either hex output may be NULL to skip it (md5_hex
 * is "" when MD5 is unavailable).  At most max bytes are read, and
 * reading stops at deadline_ms (CLOCK_MONOTONIC ms, 0: none).  Returns 0
 * done, 1 the file is longer than max, 2 the deadline passed (outputs
 * untouched), -1 read or libcrypto error (errno set).
 */
int ad_digest_fd(int fd, uint64_t max, int64_t deadline_ms, char *sha_hex,
    char *md5_hex);

#endif
