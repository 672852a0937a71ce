/*
 * digest.c - SHA-256 and MD5, byte-order independent, no allocation.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"

static uint32_t
rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static uint32_t
ror(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void
hex_out(const unsigned char *d, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * n] = '\0';
}

/* ---- SHA-256 ---------------------------------------------------------- */

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static void
sha_block(struct ad_sha256 *c, const unsigned char *p)
{
	uint32_t w[64], a, b, cc, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 64; i++)
		w[i] = (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ w[i - 2] >> 10) +
		    w[i - 7] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
		    w[i - 15] >> 3) + w[i - 16];
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	e = c->h[4]; f = c->h[5]; g = c->h[6]; h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		    ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1;
		d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

void
ad_sha256_init(struct ad_sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
	c->n = 0;
}

/* The block loop both digests share: buffer partial blocks in blk. */
#define BLOCK_UPDATE(c, p, n, blockfn) do { \
	const unsigned char *in_ = (p); \
	size_t n_ = (n), k_; \
	(c)->len += n_; \
	if ((c)->n > 0) { \
		k_ = 64 - (c)->n < n_ ? 64 - (c)->n : n_; \
		memcpy((c)->blk + (c)->n, in_, k_); \
		(c)->n += k_; in_ += k_; n_ -= k_; \
		if ((c)->n < 64) \
			break; \
		blockfn((c), (c)->blk); \
		(c)->n = 0; \
	} \
	for (; n_ >= 64; in_ += 64, n_ -= 64) \
		blockfn((c), in_); \
	memcpy((c)->blk, in_, n_); \
	(c)->n = n_; \
} while (0)

void
ad_sha256_update(struct ad_sha256 *c, const void *p, size_t n)
{
	BLOCK_UPDATE(c, p, n, sha_block);
}

/* The final padding of both digests: 0x80, zeros, the length in bits
 * (big-endian for SHA-256, little for MD5).  Returns its size. */
static size_t
final_pad(uint64_t len, size_t n, int big_endian, unsigned char pad[72])
{
	uint64_t bits = len * 8;
	size_t padn = (n < 56 ? 56 : 120) - n;
	int i;

	memset(pad, 0, 72);
	pad[0] = 0x80;
	for (i = 0; i < 8; i++)
		pad[padn + i] = (unsigned char)(bits >>
		    (big_endian ? 56 - 8 * i : 8 * i));
	return padn + 8;
}

void
ad_sha256_hex(struct ad_sha256 *c, char *hex)
{
	unsigned char pad[72], d[32];
	int i;

	ad_sha256_update(c, pad, final_pad(c->len, c->n, 1, pad));
	for (i = 0; i < 32; i++)
		d[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
	hex_out(d, 32, hex);
}

/* ---- MD5 --------------------------------------------------------------- */

static const uint32_t md5_k[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a,
	0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
	0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
	0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
	0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
};

static const unsigned char md5_r[64] = {
	7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
	5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
	4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
	6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21
};

static void
md5_block(struct ad_md5 *c, const unsigned char *p)
{
	uint32_t w[16], a, b, cc, d, f, t;
	int i, g;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	a = c->h[0]; b = c->h[1]; cc = c->h[2]; d = c->h[3];
	for (i = 0; i < 64; i++) {
		if (i < 16) {
			f = (b & cc) | (~b & d);
			g = i;
		} else if (i < 32) {
			f = (d & b) | (~d & cc);
			g = (5 * i + 1) % 16;
		} else if (i < 48) {
			f = b ^ cc ^ d;
			g = (3 * i + 5) % 16;
		} else {
			f = cc ^ (b | ~d);
			g = (7 * i) % 16;
		}
		t = d;
		d = cc;
		cc = b;
		b = b + rol(a + f + md5_k[i] + w[g], md5_r[i]);
		a = t;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
}

void
ad_md5_init(struct ad_md5 *c)
{
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
	c->len = 0;
	c->n = 0;
}

void
ad_md5_update(struct ad_md5 *c, const void *p, size_t n)
{
	BLOCK_UPDATE(c, p, n, md5_block);
}

void
ad_md5_hex(struct ad_md5 *c, char *hex)
{
	unsigned char pad[72], d[16];
	int i;

	ad_md5_update(c, pad, final_pad(c->len, c->n, 0, pad));
	for (i = 0; i < 16; i++)
		d[i] = (unsigned char)(c->h[i / 4] >> (8 * (i % 4)));
	hex_out(d, 16, hex);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ad_digest_fd(int fd, uint64_t max, int64_t deadline_ms, char *sha_hex,
    char *md5_hex)
{
	struct ad_sha256 s;
	struct ad_md5 m;
	unsigned char buf[65536];
	uint64_t total = 0;
	unsigned reads = 0;
	ssize_t n;

	ad_sha256_init(&s);
	ad_md5_init(&m);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max)
			return 1;
		if (deadline_ms > 0 && (++reads & 15) == 0 &&
		    mono_ms() > deadline_ms)
			return 2;
		if (sha_hex != NULL)
			ad_sha256_update(&s, buf, (size_t)n);
		if (md5_hex != NULL)
			ad_md5_update(&m, buf, (size_t)n);
	}
	if (sha_hex != NULL)
		ad_sha256_hex(&s, sha_hex);
	if (md5_hex != NULL)
		ad_md5_hex(&m, md5_hex);
	return 0;
}
