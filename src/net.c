/*
 * net.c - socket addresses: SOCKADDR hex, families, CIDR networks,
 * public addresses, and the socket tables of /proc/PID/net.
 *
 * The saddr hex is decoded here rather than with libauparse's
 * auparse_interpret_sock_address(): that gives text, and the rules need
 * the address bytes (CIDR membership, net.public); the unit tests check
 * that both read the same records alike.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "util.h"

#define SADDR_MAX	128	/* sizeof(struct sockaddr_storage) */

void
ad_net_clear(struct ad_net *n)
{
	memset(n, 0, sizeof(*n));
	n->port = -1;
}

/* The port (network order at b+2) and the alen-byte address at b+off of
 * a sockaddr_in/_in6 of nb bytes; 1 when it is cut short (family only). */
static int
set_ip(struct ad_net *n, const uint8_t *b, size_t nb, size_t off,
    int alen)
{
	if (nb < off + (size_t)alen)
		return 1;
	n->port = b[2] << 8 | b[3];
	n->addrlen = alen;
	memcpy(n->addr, b + off, (size_t)alen);
	return 0;
}

int
ad_sockaddr_decode(const char *hex, size_t len, struct ad_net *n)
{
	uint8_t b[SADDR_MAX];
	size_t nb, i, plen;
	uint16_t fam;
	int hi, lo;

	ad_net_clear(n);
	if (hex == NULL || len % 2 != 0 || len < 4)
		return -1;
	nb = len / 2 < SADDR_MAX ? len / 2 : SADDR_MAX;
	for (i = 0; i < len / 2; i++) {
		if ((hi = ad_hexval(hex[2 * i])) < 0 ||
		    (lo = ad_hexval(hex[2 * i + 1])) < 0)
			return -1;
		if (i < nb)
			b[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(&fam, b, sizeof(fam));	/* sa_family_t: host order */
	n->present = 1;
	n->family = fam;
	switch (fam) {
	case AF_INET:	/* family, port, address */
		return set_ip(n, b, nb, 4, 4);
	case AF_INET6:	/* family, port, flowinfo, address, scope */
		return set_ip(n, b, nb, 8, 16);
	case AF_UNIX:
		if (nb <= 2)
			break;	/* unnamed (autobind) */
		plen = nb - 2 < AD_NET_PATH_MAX ? nb - 2 : AD_NET_PATH_MAX;
		if (b[2] == 0) {	/* abstract: any bytes, '@' first */
			n->path[0] = '@';
			for (i = 1; i < plen; i++)
				n->path[i] = b[2 + i] >= 0x20 &&
				    b[2 + i] < 0x7f ? (char)b[2 + i] : '?';
			n->path[plen] = '\0';
		} else {
			for (i = 0; i < plen && b[2 + i] != 0; i++)
				n->path[i] = (char)b[2 + i];
			n->path[i] = '\0';
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Linux's AF_* numbers (include/linux/socket.h), named as libauparse
 * names them (auparse/famtab.h), so both spell a family alike. */
static const struct {
	int af;
	const char *name;
} families[] = {
	{ AF_UNSPEC, "unspecified" },
	{ AF_UNIX, "local" },
	{ AF_INET, "inet" },
	{ 3, "ax25" },
	{ 4, "ipx" },
	{ 5, "appletalk" },
	{ 6, "netrom" },
	{ 7, "bridge" },
	{ 8, "atmpvc" },
	{ 9, "x25" },
	{ AF_INET6, "inet6" },
	{ 11, "rose" },
	{ 12, "decnet" },
	{ 13, "netbeui" },
	{ 14, "security" },
	{ 15, "key" },
	{ 16, "netlink" },
	{ 17, "packet" },
	{ 18, "ash" },
	{ 19, "econet" },
	{ 20, "atmsvc" },
	{ 21, "rds" },
	{ 22, "sna" },
	{ 23, "irda" },
	{ 24, "pppox" },
	{ 25, "wanpipe" },
	{ 26, "llc" },
	{ 27, "ib" },
	{ 28, "mpls" },
	{ 29, "can" },
	{ 30, "tipc" },
	{ 31, "bluetooth" },
	{ 32, "iucv" },
	{ 33, "rxrpc" },
	{ 34, "isdn" },
	{ 35, "phonet" },
	{ 36, "ieee802154" },
	{ 37, "caif" },
	{ 38, "alg" },
	{ 39, "nfc" },
	{ 40, "vsock" },
	{ 41, "kcm" },
	{ 42, "qipcrtr" },
	{ 43, "smc" },
	{ 44, "xdp" },
	{ 45, "mctp" },
};

const char *
ad_family_name(int family)
{
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(families); i++)
		if (families[i].af == family)
			return families[i].name;
	return NULL;
}

int
ad_net_addr_text(const struct ad_net *n, char *buf, size_t cap)
{
	if (n->addrlen != 4 && n->addrlen != 16)
		return -1;
	if (inet_ntop(n->addrlen == 4 ? AF_INET : AF_INET6, n->addr, buf,
	    (socklen_t)(cap > INT_MAX ? INT_MAX : cap)) == NULL)
		return -1;
	return (int)strlen(buf);
}

/* The IPv4 address of n (mapped ones too) into v4: 1, else 0. */
static int
as_v4(const struct ad_net *n, uint8_t v4[4])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	if (n->addrlen == 4) {
		memcpy(v4, n->addr, 4);
		return 1;
	}
	if (n->addrlen == 16 && memcmp(n->addr, mapped, 12) == 0) {
		memcpy(v4, n->addr + 12, 4);
		return 1;
	}
	return 0;
}

/* The first `bits` bits of a and b agree. */
static int
prefix_eq(const uint8_t *a, const uint8_t *b, int bits)
{
	int full = bits / 8, rest = bits % 8;
	uint8_t m;

	if (memcmp(a, b, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - rest));
	return (a[full] & m) == (b[full] & m);
}

int
ad_net_public(const struct ad_net *n)
{
	/* not public: the networks of RFC 6890 that are not routed on the
	 * internet and the ones a workload talks to inside its site */
	static const struct { uint8_t a[4]; int bits; } v4[] = {
		{ { 0, 0, 0, 0 }, 8 },		/* this network, 0.0.0.0 */
		{ { 10, 0, 0, 0 }, 8 },		/* RFC 1918 */
		{ { 100, 64, 0, 0 }, 10 },	/* shared, CGNAT */
		{ { 127, 0, 0, 0 }, 8 },	/* loopback */
		{ { 169, 254, 0, 0 }, 16 },	/* link-local */
		{ { 172, 16, 0, 0 }, 12 },	/* RFC 1918 */
		{ { 192, 168, 0, 0 }, 16 },	/* RFC 1918 */
		{ { 224, 0, 0, 0 }, 4 },	/* multicast */
		{ { 255, 255, 255, 255 }, 32 },	/* broadcast */
	};
	static const struct { uint8_t a[16]; int bits; } v6[] = {
		{ { 0 }, 128 },			/* :: */
		{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 },
		{ { 0xfc }, 7 },		/* unique local, RFC 4193 */
		{ { 0xfe, 0x80 }, 10 },		/* link-local */
		{ { 0xff }, 8 },		/* multicast */
	};
	uint8_t a[4];
	size_t i;

	if (as_v4(n, a)) {
		for (i = 0; i < AD_ARRAY_SIZE(v4); i++)
			if (prefix_eq(a, v4[i].a, v4[i].bits))
				return 0;
		return 1;
	}
	if (n->addrlen != 16)
		return -1;
	for (i = 0; i < AD_ARRAY_SIZE(v6); i++)
		if (prefix_eq(n->addr, v6[i].a, v6[i].bits))
			return 0;
	return 1;
}

int
ad_cidr_parse(const char *s, struct ad_cidr *out, char *err, size_t cap)
{
	char a[INET6_ADDRSTRLEN + 1], *end;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max, i;
	long p;

	memset(out, 0, sizeof(*out));
	if (alen == 0 || alen >= sizeof(a)) {
		snprintf(err, cap, "'%s' is not an address or network: write "
		    "one like 10.0.0.0/8, 192.168.1.5 or fc00::/7", s);
		return -1;
	}
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET, a, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, cap, "'%s' is not an address or network: write "
		    "one like 10.0.0.0/8, 192.168.1.5 or fc00::/7", s);
		return -1;
	}
	out->prefix = max;
	if (slash == NULL)
		return 0;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 ||
	    p > max) {
		snprintf(err, cap, "'%s': the prefix length must be a number "
		    "from 0 to %d for an %s network", s, max,
		    max == 32 ? "IPv4" : "IPv6");
		return -1;
	}
	out->prefix = (int)p;
	for (i = out->prefix; i < max; i++)
		if (out->addr[i / 8] & (0x80 >> (i % 8))) {
			struct ad_cidr fix = *out;
			char t[INET6_ADDRSTRLEN];
			int j;

			for (j = i; j < max; j++)
				fix.addr[j / 8] &= (uint8_t)~(0x80 >> (j % 8));
			inet_ntop(out->family, fix.addr, t, sizeof(t));
			snprintf(err, cap, "'%s' has bits set past its /%d "
			    "prefix: write %s/%d", s, out->prefix, t,
			    out->prefix);
			return -1;
		}
	return 0;
}

int
ad_cidr_match(const struct ad_cidr *c, const struct ad_net *n)
{
	uint8_t a[4];

	if (c->family == AF_INET)
		return as_v4(n, a) && prefix_eq(a, c->addr, c->prefix);
	return n->addrlen == 16 && prefix_eq(n->addr, c->addr, c->prefix);
}

/* "0100007F:1F90" (v4) or 32 hex digits ':' port (v6): the kernel
 * prints each 32-bit word of the address in host order. */
static int
proc_addr(const char *s, size_t len, int v6, struct ad_net *n)
{
	size_t na = v6 ? 32 : 8, i;
	uint32_t w;
	int d, k;
	long port = 0;

	ad_net_clear(n);
	if (len < na + 2 || s[na] != ':')
		return -1;
	for (k = 0; k < (int)na / 8; k++) {
		w = 0;
		for (i = 0; i < 8; i++) {
			if ((d = ad_hexval(s[8 * k + i])) < 0)
				return -1;
			w = w << 4 | (uint32_t)d;
		}
		memcpy(n->addr + 4 * k, &w, 4);
	}
	for (i = na + 1; i < len; i++) {
		if ((d = ad_hexval(s[i])) < 0 || port > 0xffff)
			return -1;
		port = port << 4 | d;
	}
	if (port > 0xffff)
		return -1;
	n->present = 1;
	n->family = v6 ? AF_INET6 : AF_INET;
	n->addrlen = v6 ? 16 : 4;
	n->port = (int)port;
	return 0;
}

/* The next space-separated token of *p (advanced); its length, 0 at end. */
static size_t
token(const char **p, const char **tok)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	*tok = s;
	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
		n++;
	*p = s + n;
	return n;
}

/* The next token of *p as a socket inode: 1 it is inode, 0 another,
 * -1 not a number. */
static int
inode_token(const char **p, uint64_t inode)
{
	unsigned long long ino;
	const char *t;
	char *end;

	if (token(p, &t) == 0 || *t < '0' || *t > '9')
		return -1;
	errno = 0;
	ino = strtoull(t, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\0' && *end != '\n'))
		return -1;
	return ino == inode;
}

int
ad_proc_net_line(const char *line, int v6, uint64_t inode,
    struct ad_net *local, struct ad_net *remote)
{
	const char *p = line, *t, *lt = NULL, *rt = NULL;
	size_t n, ln = 0, rn = 0;
	int i, rc;

	/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
	for (i = 0; i < 9; i++) {
		if ((n = token(&p, &t)) == 0)
			return -1;
		if (i == 1) {
			lt = t;
			ln = n;
		} else if (i == 2) {
			rt = t;
			rn = n;
		}
	}
	if ((rc = inode_token(&p, inode)) != 1)
		return rc;
	if (proc_addr(lt, ln, v6, local) != 0 ||
	    proc_addr(rt, rn, v6, remote) != 0)
		return -1;
	return 1;
}

int
ad_proc_fd_socket(const char *procfs, pid_t pid, int fd, uint64_t *inode)
{
	char path[PATH_MAX], link[64], *end;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", procfs, (int)pid, fd);
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0)
		return -1;
	link[n] = '\0';
	if (strncmp(link, "socket:[", 8) != 0)
		return 0;
	errno = 0;
	*inode = strtoull(link + 8, &end, 10);
	return errno == 0 && *end == ']' ? 1 : 0;
}

int
ad_proc_socket_find(const char *procfs, pid_t pid, uint64_t inode,
    int tcp_only, struct ad_net *local, struct ad_net *remote,
    const char **proto)
{
	static const struct { const char *name, *proto; int v6; } tabs[] = {
		{ "tcp", "tcp", 0 }, { "tcp6", "tcp", 1 },
		{ "udp", "udp", 0 }, { "udp6", "udp", 1 },
	};
	char path[PATH_MAX], line[512];
	int gone = 1, rc = 0;
	size_t i;
	FILE *f;

	for (i = 0; i < AD_ARRAY_SIZE(tabs) && rc != 1; i++) {
		if (tcp_only && strcmp(tabs[i].proto, "tcp") != 0)
			break;
		snprintf(path, sizeof(path), "%s/%d/net/%s", procfs,
		    (int)pid, tabs[i].name);
		if ((f = fopen(path, "re")) == NULL)
			continue;	/* no IPv6, or gone */
		gone = 0;
		if (fgets(line, sizeof(line), f) != NULL)	/* header */
			while (rc != 1 && fgets(line, sizeof(line), f))
				if (ad_proc_net_line(line, tabs[i].v6, inode,
				    local, remote) == 1) {
					*proto = tabs[i].proto;
					rc = 1;
				}
		fclose(f);
	}
	return gone && rc == 0 ? -1 : rc;
}

int
ad_proc_unix_line(const char *line, uint64_t inode, struct ad_net *n)
{
	const char *p = line, *t;
	size_t len;
	int i, rc;

	/* Num RefCount Protocol Flags Type St Inode [Path] */
	for (i = 0; i < 6; i++)
		if (token(&p, &t) == 0)
			return -1;
	if ((rc = inode_token(&p, inode)) != 1)
		return rc;
	ad_net_clear(n);
	n->present = 1;
	n->family = AF_UNIX;
	if ((len = token(&p, &t)) > 0) {
		if (len > AD_NET_PATH_MAX)
			len = AD_NET_PATH_MAX;
		memcpy(n->path, t, len);
		n->path[len] = '\0';
	}
	return 1;
}

int
ad_proc_unix_find(const char *procfs, pid_t pid, uint64_t inode,
    struct ad_net *n)
{
	char path[PATH_MAX], line[512];
	int rc = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/net/unix", procfs, (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)	/* header */
		while (rc != 1 && fgets(line, sizeof(line), f))
			if (ad_proc_unix_line(line, inode, n) == 1)
				rc = 1;
	fclose(f);
	return rc;
}
