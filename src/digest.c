/*
 * digest.c - SHA-256 and MD5 through libcrypto's EVP interface.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "digest.h"
#include "util.h"

struct ad_digest {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
};

/* Fetched once (EVP_MD_fetch is costly; the result is shared and
 * thread-safe to use): the evidence thread and the event thread hash. */
static EVP_MD *mds[2];
static pthread_once_t mds_once = PTHREAD_ONCE_INIT;

static void
mds_fetch(void)
{
	mds[AD_DIGEST_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
	mds[AD_DIGEST_MD5] = EVP_MD_fetch(NULL, "MD5", "-fips");
}

static const EVP_MD *
md_of(enum ad_digest_algo algo)
{
	pthread_once(&mds_once, mds_fetch);
	return (unsigned)algo < 2 ? mds[algo] : NULL;
}

struct ad_digest *
ad_digest_new(enum ad_digest_algo algo)
{
	const EVP_MD *md = md_of(algo);
	struct ad_digest *d;

	if (md == NULL)
		return NULL;
	d = xmalloc(sizeof(*d));
	d->md = md;
	if ((d->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(d->ctx, md, NULL) != 1) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
		return NULL;
	}
	return d;
}

void
ad_digest_update(struct ad_digest *d, const void *p, size_t n)
{
	(void)EVP_DigestUpdate(d->ctx, p, n);
}

int
ad_digest_hex(struct ad_digest *d, char *hex)
{
	static const char x[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	int ok;

	ok = EVP_DigestFinal_ex(d->ctx, md, &n) == 1 &&
	    EVP_DigestInit_ex(d->ctx, d->md, NULL) == 1;
	if (!ok)
		n = 0;
	for (i = 0; i < n; i++) {
		hex[2 * i] = x[md[i] >> 4];
		hex[2 * i + 1] = x[md[i] & 15];
	}
	hex[2 * n] = '\0';
	return ok ? 0 : -1;
}

void
ad_digest_free(struct ad_digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int
ad_digest_buf(enum ad_digest_algo algo, const void *p, size_t n, char *hex)
{
	struct ad_digest *d = ad_digest_new(algo);
	int rc;

	hex[0] = '\0';
	if (d == NULL)
		return -1;
	ad_digest_update(d, p, n);
	rc = ad_digest_hex(d, hex);
	ad_digest_free(d);
	return rc;
}

int
ad_digest_fd(int fd, uint64_t max, int64_t deadline_ms, char *sha_hex,
    char *md5_hex)
{
	struct ad_digest *s = NULL, *m = NULL;
	unsigned char buf[65536];
	uint64_t total = 0;
	unsigned reads = 0;
	ssize_t n;
	int rc = 0;

	if (sha_hex != NULL && (s = ad_digest_new(AD_DIGEST_SHA256)) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (md5_hex != NULL)	/* NULL: unavailable, said with "" */
		m = ad_digest_new(AD_DIGEST_MD5);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max) {
			rc = 1;
			break;
		}
		if (deadline_ms > 0 && (++reads & 15) == 0 &&
		    ad_mono_ms() > deadline_ms) {
			rc = 2;
			break;
		}
		if (s != NULL)
			ad_digest_update(s, buf, (size_t)n);
		if (m != NULL)
			ad_digest_update(m, buf, (size_t)n);
	}
	if (rc == 0 && s != NULL && ad_digest_hex(s, sha_hex) != 0) {
		errno = EIO;
		rc = -1;
	}
	if (rc == 0 && md5_hex != NULL && (m == NULL ||
	    ad_digest_hex(m, md5_hex) != 0))
		md5_hex[0] = '\0';
	ad_digest_free(s);
	ad_digest_free(m);
	return rc;
}
