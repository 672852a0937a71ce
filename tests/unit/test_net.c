/*
 * test_net.c - the network side of events: SOCKADDR decoding (every
 * family, both log formats, cut and malformed hex, a family the kernel
 * does not name), CIDR parsing and matching, public addresses, the
 * /proc/net/tcp format, and bind -> listen linking (netstate.c) with a
 * fixture /proc.
 *
 * Records are shaped like the ones this machine's kernel logged
 * (tests/golden/logs/host-network.log).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <auparse.h>

#include "container.h"
#include "net.h"
#include "netstate.h"
#include "normalize.h"
#include "util.h"

static const char *
addr_text(const struct ad_net *n)
{
	static char buf[64];

	if (ad_net_addr_text(n, buf, sizeof(buf)) < 0)
		return "(none)";
	return buf;
}

static void
test_decode_families(void **state)
{
	struct ad_net n;

	(void)state;
	/* inet 127.0.0.1:38127, as logged for a connect */
	assert_int_equal(ad_sockaddr_decode("020094EF7F0000010000000000000000",
	    32, &n), 0);
	assert_int_equal(n.family, AF_INET);
	assert_string_equal(addr_text(&n), "127.0.0.1");
	assert_int_equal(n.port, 0x94ef);
	assert_string_equal(ad_family_name(n.family), "inet");
	/* inet6 ::1 port 38533 */
	assert_int_equal(ad_sockaddr_decode(
	    "0A009685000000000000000000000000000000000000000100000000", 56,
	    &n), 0);
	assert_int_equal(n.family, AF_INET6);
	assert_string_equal(addr_text(&n), "::1");
	assert_int_equal(n.port, 0x9685);
	/* lower-case hex reads the same */
	assert_int_equal(ad_sockaddr_decode("0200dc327f000001", 16, &n), 0);
	assert_string_equal(addr_text(&n), "127.0.0.1");
	assert_int_equal(n.port, 0xdc32);
	/* local: a path, an abstract name, an unnamed (autobind) socket */
	assert_int_equal(ad_sockaddr_decode("01002F746D702F7800", 18, &n), 0);
	assert_int_equal(n.family, AF_UNIX);
	assert_string_equal(n.path, "/tmp/x");
	assert_int_equal(n.addrlen, 0);
	assert_int_equal(n.port, -1);
	assert_string_equal(ad_family_name(n.family), "local");
	assert_int_equal(ad_sockaddr_decode("0100006162", 10, &n), 0);
	assert_string_equal(n.path, "@ab");
	assert_int_equal(ad_sockaddr_decode("0100", 4, &n), 0);
	assert_int_equal(n.family, AF_UNIX);
	assert_string_equal(n.path, "");
	/* netlink: family only */
	assert_int_equal(ad_sockaddr_decode("100000000000000000000000", 24,
	    &n), 0);
	assert_int_equal(n.family, 16);
	assert_string_equal(ad_family_name(n.family), "netlink");
	assert_int_equal(n.addrlen, 0);
	/* packet */
	assert_int_equal(ad_sockaddr_decode("1100", 4, &n), 0);
	assert_string_equal(ad_family_name(n.family), "packet");
	/* a family the kernel does not name (200): kept as a number */
	assert_int_equal(ad_sockaddr_decode("C8000102", 8, &n), 0);
	assert_int_equal(n.family, 200);
	assert_true(n.present);
	assert_null(ad_family_name(200));
	assert_int_equal(n.addrlen, 0);
}

static void
test_decode_bad(void **state)
{
	struct ad_net n;
	char big[600];

	(void)state;
	/* odd length, non-hex, too short for a family: not present */
	assert_int_equal(ad_sockaddr_decode("020094EF7F000001000", 19, &n), -1);
	assert_false(n.present);
	assert_int_equal(ad_sockaddr_decode("0200XXEF7F000001", 16, &n), -1);
	assert_false(n.present);
	assert_int_equal(ad_sockaddr_decode("02", 2, &n), -1);
	assert_int_equal(ad_sockaddr_decode("", 0, &n), -1);
	assert_int_equal(ad_sockaddr_decode(NULL, 0, &n), -1);
	/* truncated sockaddr_in / _in6: the family, no address or port */
	assert_int_equal(ad_sockaddr_decode("020094EF7F00", 12, &n), 1);
	assert_true(n.present);
	assert_int_equal(n.family, AF_INET);
	assert_int_equal(n.addrlen, 0);
	assert_int_equal(n.port, -1);
	assert_int_equal(ad_net_public(&n), -1);
	assert_int_equal(ad_sockaddr_decode("0A0096850000000000000000", 24,
	    &n), 1);
	assert_int_equal(n.family, AF_INET6);
	assert_int_equal(n.addrlen, 0);
	/* longer than a sockaddr_storage: read up to 128 bytes, no overrun */
	memset(big, 'A', sizeof(big));
	memcpy(big, "0100", 4);
	assert_int_equal(ad_sockaddr_decode(big, sizeof(big), &n), 0);
	assert_int_equal(strlen(n.path), AD_NET_PATH_MAX);
}

/* libauparse reads the same records alike (its text, our bytes). */
static void
test_decode_vs_auparse(void **state)
{
	static const char *const recs[] = {
		"type=SOCKADDR msg=audit(1796113695.779:167695): "
		    "saddr=0200A5F97F0000010000000000000000\n",
		"type=SOCKADDR msg=audit(1796113695.779:167699): "
		    "saddr=0A009685000000000000000000000000000000000000000100000000\n",
	};
	struct ad_net n;
	const char *v, *fam, *port, *addr;
	char want[64];
	size_t i;

	(void)state;
	for (i = 0; i < AD_ARRAY_SIZE(recs); i++) {
		auparse_state_t *au = auparse_init(AUSOURCE_BUFFER, recs[i]);

		assert_non_null(au);
		assert_int_equal(auparse_next_event(au), 1);
		assert_non_null(auparse_find_field(au, "saddr"));
		v = auparse_get_field_str(au);
		assert_int_equal(ad_sockaddr_decode(v, strlen(v), &n), 0);
		fam = auparse_interpret_sock_family(au);
		assert_non_null(fam);
		assert_string_equal(fam, ad_family_name(n.family));
		port = auparse_interpret_sock_port(au);
		assert_non_null(port);
		snprintf(want, sizeof(want), "%d", n.port);
		assert_string_equal(port, want);
		addr = auparse_interpret_sock_address(au);
		assert_non_null(addr);
		assert_string_equal(addr, addr_text(&n));
		auparse_destroy(au);
	}
}

/* --- the normalizer: both formats, no SYSCALL -------------------------- */

static struct ad_net got[4];
static int ngot, nerr;

static void
on_ev(void *arg, struct ad_event *ev)
{
	(void)arg;
	if (ngot < 4)
		got[ngot++] = ev->net;
}

static void
on_err(void *arg, uint64_t serial, const char *msg)
{
	(void)arg;
	(void)serial;
	(void)msg;
	nerr++;
}

static void
feed(const char *text)
{
	struct ad_norm *n = ad_norm_new(on_ev, on_err, NULL);

	ngot = nerr = 0;
	assert_int_equal(ad_norm_feed(n, text, strlen(text)), 0);
	ad_norm_flush(n);
	ad_norm_free(n);
}

#define SYSCALL_CONNECT(serial) \
	"type=SYSCALL msg=audit(1796113695.779:" serial "): arch=c000003e " \
	"syscall=42 success=yes exit=0 a0=4 a1=7ffd a2=10 a3=0 items=0 " \
	"ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 " \
	"sgid=0 fsgid=0 tty=(none) ses=1 comm=\"python3\" " \
	"exe=\"/usr/bin/python3.11\" key=\"audrift-net\""

static void
test_normalize_formats(void **state)
{
	struct ad_net raw;

	(void)state;
	feed(SYSCALL_CONNECT("1") "\n"
	    "type=SOCKADDR msg=audit(1796113695.779:1): "
	    "saddr=0200A5F97F0000010000000000000000\n"
	    "type=EOE msg=audit(1796113695.779:1): \n");
	assert_int_equal(ngot, 1);
	assert_int_equal(nerr, 0);
	raw = got[0];
	assert_true(raw.present);
	assert_int_equal(raw.port, 0xa5f9);
	/* ENRICHED, audit >= 3.0 (saddr_fam=) and older (fam=) */
	feed(SYSCALL_CONNECT("2") "\x1d" "ARCH=x86_64 SYSCALL=connect\n"
	    "type=SOCKADDR msg=audit(1796113695.779:2): "
	    "saddr=0200A5F97F0000010000000000000000\x1dSADDR={ "
	    "saddr_fam=inet laddr=127.0.0.1 lport=42489 }\n"
	    "type=EOE msg=audit(1796113695.779:2): \n");
	assert_int_equal(ngot, 1);
	assert_memory_equal(&got[0], &raw, sizeof(raw));
	feed(SYSCALL_CONNECT("3") "\n"
	    "type=SOCKADDR msg=audit(1796113695.779:3): "
	    "saddr=0200A5F97F0000010000000000000000\x1dSADDR={ fam=inet "
	    "laddr=127.0.0.1 lport=42489 }\n"
	    "type=EOE msg=audit(1796113695.779:3): \n");
	assert_int_equal(ngot, 1);
	assert_memory_equal(&got[0], &raw, sizeof(raw));
	/* odd-length saddr: the event is kept, without an address, and
	 * the bad field is reported */
	feed(SYSCALL_CONNECT("4") "\n"
	    "type=SOCKADDR msg=audit(1796113695.779:4): saddr=0200A5F\n"
	    "type=EOE msg=audit(1796113695.779:4): \n");
	assert_int_equal(ngot, 1);
	assert_false(got[0].present);
	assert_int_equal(nerr, 1);
	/* a SOCKADDR with no SYSCALL: dropped and counted, not a crash */
	feed("type=SOCKADDR msg=audit(1796113695.779:5): "
	    "saddr=0200A5F97F0000010000000000000000\n"
	    "type=EOE msg=audit(1796113695.779:5): \n");
	assert_int_equal(ngot, 0);
	assert_int_equal(nerr, 1);
}

/* --- CIDR and public --------------------------------------------------- */

/* The address of saddr hex, in a ring of 4 (valid for a few calls). */
static const struct ad_net *
mk(const char *hex)
{
	static struct ad_net ring[4];
	static int i;
	struct ad_net *n = &ring[i++ % 4];

	assert_true(ad_sockaddr_decode(hex, strlen(hex), n) >= 0);
	return n;
}

static void
test_cidr(void **state)
{
	struct ad_cidr c;
	struct ad_net n;
	char err[200];

	(void)state;
	assert_int_equal(ad_cidr_parse("10.0.0.0/8", &c, err, sizeof(err)), 0);
	assert_int_equal(c.prefix, 8);
	n = *mk("02000050" "0A010203");		/* 10.1.2.3:80 */
	assert_true(ad_cidr_match(&c, &n));
	n = *mk("02000050" "0B010203");		/* 11.1.2.3 */
	assert_false(ad_cidr_match(&c, &n));
	/* 172.16.0.0/12 ends at 172.31.255.255 */
	assert_int_equal(ad_cidr_parse("172.16.0.0/12", &c, err, sizeof(err)),
	    0);
	assert_true(ad_cidr_match(&c, (mk("02000050AC1FFFFF"))));
	assert_false(ad_cidr_match(&c, (mk("02000050AC200000"))));
	/* IPv4-mapped IPv6 is in an IPv4 network, not in an IPv6 one */
	n = *mk("0A000050" "00000000" "00000000000000000000FFFF0A010203");
	assert_int_equal(ad_cidr_parse("10.0.0.0/8", &c, err, sizeof(err)), 0);
	assert_true(ad_cidr_match(&c, &n));
	assert_int_equal(ad_net_public(&n), 0);
	/* v6 */
	assert_int_equal(ad_cidr_parse("fc00::/7", &c, err, sizeof(err)), 0);
	assert_true(ad_cidr_match(&c, (mk(
	    "0A00005000000000FD00000000000000000000000000000100000000"))));
	assert_false(ad_cidr_match(&c, (mk(
	    "0A00005000000000FE00000000000000000000000000000100000000"))));
	/* an IPv4 address is in no IPv6 network */
	assert_false(ad_cidr_match(&c, (mk("020000507F000001"))));
	/* one address, /0, /128 */
	assert_int_equal(ad_cidr_parse("::1", &c, err, sizeof(err)), 0);
	assert_int_equal(c.prefix, 128);
	assert_int_equal(ad_cidr_parse("0.0.0.0/0", &c, err, sizeof(err)), 0);
	assert_true(ad_cidr_match(&c, (mk("0200005008080808"))));
	assert_int_equal(ad_cidr_parse("2001:db8::/128", &c, err,
	    sizeof(err)), 0);
	/* bad prefixes and addresses, each with a message */
	assert_int_equal(ad_cidr_parse("10.0.0.0/33", &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "'10.0.0.0/33': the prefix length must be a "
	    "number from 0 to 32 for an IPv4 network");
	assert_int_equal(ad_cidr_parse("fc00::/129", &c, err, sizeof(err)), -1);
	assert_int_equal(ad_cidr_parse("10.0.0.0/", &c, err, sizeof(err)), -1);
	assert_int_equal(ad_cidr_parse("10.0.0.0/-1", &c, err, sizeof(err)),
	    -1);
	assert_int_equal(ad_cidr_parse("10.0.0.0/8x", &c, err, sizeof(err)),
	    -1);
	assert_int_equal(ad_cidr_parse("10.0.0.1/8", &c, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "'10.0.0.1/8' has bits set past its /8 "
	    "prefix: write 10.0.0.0/8");
	assert_int_equal(ad_cidr_parse("10.0.0/8", &c, err, sizeof(err)), -1);
	assert_int_equal(ad_cidr_parse("/8", &c, err, sizeof(err)), -1);
	assert_int_equal(ad_cidr_parse("fc00:::/7", &c, err, sizeof(err)), -1);
	assert_int_equal(ad_cidr_parse("eth0", &c, err, sizeof(err)), -1);
	assert_string_equal(err, "'eth0' is not an address or network: write "
	    "one like 10.0.0.0/8, 192.168.1.5 or fc00::/7");
}

static void
test_public(void **state)
{
	
	(void)state;
	assert_int_equal(ad_net_public((mk("0200005008080808"))), 1);
	assert_int_equal(ad_net_public((mk("020000507F000001"))), 0);
	assert_int_equal(ad_net_public((mk("02000050C0A80101"))), 0);
	assert_int_equal(ad_net_public((mk("0200005064400001"))), 0);
	assert_int_equal(ad_net_public((mk("0200005064800001"))), 1);
	assert_int_equal(ad_net_public((mk("02000050A9FE0001"))), 0);
	assert_int_equal(ad_net_public((mk("0200005000000000"))), 0);
	assert_int_equal(ad_net_public((mk("02000050E0000001"))), 0);
	assert_int_equal(ad_net_public((mk(
	    "0A0000500000000020010DB8000000000000000000000001"))), 1);
	assert_int_equal(ad_net_public((mk(
	    "0A00005000000000FE80000000000000000000000000000100000000"))), 0);
	assert_int_equal(ad_net_public((mk("0100"))), -1);
}

/* --- /proc/net/tcp and the bind -> listen link ------------------------- */

static void
test_proc_net_line(void **state)
{
	struct ad_net l, r;

	(void)state;
	assert_int_equal(ad_proc_net_line("   0: 0100007F:1F90 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 "
	    "0000000000000000 100 0 0 10 0\n", 0, 4242, &l, &r), 1);
	assert_string_equal(addr_text(&l), "127.0.0.1");
	assert_int_equal(l.port, 8080);
	assert_string_equal(addr_text(&r), "0.0.0.0");
	assert_int_equal(ad_proc_net_line("   0: 0100007F:1F90 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n",
	    0, 4243, &l, &r), 0);
	assert_int_equal(ad_proc_net_line("   1: 00000000000000000000000001000000"
	    ":0050 0000000000000000FFFF00000100007F:A5F9 01 00000000:00000000 "
	    "00:00000000 00000000     0        0 77 1\n", 1, 77, &l, &r), 1);
	assert_string_equal(addr_text(&l), "::1");
	assert_int_equal(l.port, 80);
	assert_string_equal(addr_text(&r), "::ffff:127.0.0.1");
	assert_int_equal(r.port, 0xa5f9);
	/* cut lines and junk: not of the format */
	assert_int_equal(ad_proc_net_line("   0: 0100007F:1F90", 0, 1, &l, &r),
	    -1);
	assert_int_equal(ad_proc_net_line("  sl  local_address rem_address   st "
	    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n", 0,
	    1, &l, &r), -1);
	assert_int_equal(ad_proc_net_line("   0: 0100007Z:1F90 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000     0        0 9 1\n",
	    0, 9, &l, &r), -1);
	assert_int_equal(ad_proc_net_line("   0: 0100007F:1FFFFF 00000000:0000 "
	    "0A 00000000:00000000 00:00000000 00000000     0        0 9 1\n",
	    0, 9, &l, &r), -1);
}

static void
test_proc_unix_line(void **state)
{
	struct ad_net n;

	(void)state;
	assert_int_equal(ad_proc_unix_line("00000000d640e696: 00000002 00000000 "
	    "00010000 0001 01 31337 /run/app.sock\n", 31337, &n), 1);
	assert_int_equal(n.family, AF_UNIX);
	assert_string_equal(n.path, "/run/app.sock");
	assert_int_equal(ad_proc_unix_line("00000000d640e696: 00000002 00000000 "
	    "00010000 0001 01 31337 @abstract\n", 31337, &n), 1);
	assert_string_equal(n.path, "@abstract");
	assert_int_equal(ad_proc_unix_line("00000000d640e696: 00000003 00000000 "
	    "00000000 0001 03  1116\n", 1116, &n), 1);
	assert_string_equal(n.path, "");
	assert_int_equal(ad_proc_unix_line("00000000d640e696: 00000003 00000000 "
	    "00000000 0001 03  1116\n", 1117, &n), 0);
	assert_int_equal(ad_proc_unix_line("Num       RefCount Protocol Flags    "
	    "Type St Inode Path\n", 1, &n), -1);
	assert_int_equal(ad_proc_unix_line("0000: 1 2\n", 1, &n), -1);
}

static void
mkev(struct ad_event *ev, enum ad_op op, pid_t pid, uint64_t a0,
    const char *saddr)
{
	memset(ev, 0, sizeof(*ev));
	ev->op = op;
	ev->success = 1;
	ev->proc.pid = pid;
	ev->a[0] = a0;
	ev->net.port = -1;
	if (saddr != NULL) {
		assert_true(ad_sockaddr_decode(saddr, strlen(saddr),
		    &ev->net) >= 0);
		ev->net_src = AD_NSRC_RECORD;
	}
}

/* mkev, then the event through ns */
static void
step(struct ad_netstate *ns, struct ad_event *ev, enum ad_op op, pid_t pid,
    uint64_t a0, const char *saddr)
{
	mkev(ev, op, pid, a0, saddr);
	ad_netstate_event(ns, ev);
}

static void
test_bind_listen(void **state)
{
	struct ad_netstate *ns = ad_netstate_new(NULL, 0, 16);
	struct ad_netstate_stats st;
	struct ad_event ev;
	int i;

	(void)state;
	/* bind fd 3 to 127.0.0.1:8080, then listen on fd 3 */
	step(ns, &ev, AD_OP_BIND, 100, 3, "02001F907F0000010000000000000000");
	step(ns, &ev, AD_OP_LISTEN, 100, 3, NULL);
	assert_true(ev.net.present);
	assert_int_equal(ev.net.port, 8080);
	assert_string_equal(addr_text(&ev.net), "127.0.0.1");
	assert_int_equal(ev.net_src, AD_NSRC_BIND);
	/* another process's fd 3, and another fd: no bind known, no /proc
	 * (replay): the listen has no address, counted */
	step(ns, &ev, AD_OP_LISTEN, 101, 3, NULL);
	assert_false(ev.net.present);
	step(ns, &ev, AD_OP_LISTEN, 100, 4, NULL);
	assert_false(ev.net.present);
	/* bind to port 0: the address, but no port */
	step(ns, &ev, AD_OP_BIND, 100, 5, "020000007F0000010000000000000000");
	step(ns, &ev, AD_OP_LISTEN, 100, 5, NULL);
	assert_true(ev.net.present);
	assert_int_equal(ev.net.port, -1);
	/* a failed bind is not kept; an AF_UNIX one neither */
	mkev(&ev, AD_OP_BIND, 102, 3, "02001F917F0000010000000000000000");
	ev.success = 0;
	ad_netstate_event(ns, &ev);
	step(ns, &ev, AD_OP_BIND, 102, 4, "01002F746D702F7800");
	step(ns, &ev, AD_OP_LISTEN, 102, 3, NULL);
	assert_false(ev.net.present);
	step(ns, &ev, AD_OP_LISTEN, 102, 4, NULL);
	assert_false(ev.net.present);
	/* bounded: 1000 binds in a 16-slot table evict, never grow */
	for (i = 0; i < 1000; i++) {
		mkev(&ev, AD_OP_BIND, 1000 + i, 3,
		    "02001F907F0000010000000000000000");
		ad_netstate_event(ns, &ev);
	}
	ad_netstate_stats(ns, &st);
	assert_int_equal(st.binds, 1002);
	assert_true(st.evicted >= 1000 - 16);
	assert_int_equal(st.listen_from_bind, 2);
	assert_int_equal(st.listen_unknown, 4);
	/* the newest binds are found */
	step(ns, &ev, AD_OP_LISTEN, 1999, 3, NULL);
	assert_int_equal(ev.net.port, 8080);
	ad_netstate_free(ns);
	ad_netstate_free(NULL);
}

/* A fixture /proc: pid 7 with fd 0 a TCP socket, fd 1 a pipe, fd 5 the
 * listening socket; pid 8 is gone. */
static void
test_proc_fixture(void **state)
{
	static const char *const files[] = { "7/fd/0", "7/fd/1", "7/fd/5",
	    "7/fd/6", "7/net/tcp", "7/net/unix", "7/fd", "7/net", "7" };
	char dir[] = "/tmp/audrift-test-net.XXXXXX", p[512];
	struct ad_container ctr;
	struct ad_netstate *ns;
	size_t i;
	struct ad_netstate_stats st;
	struct ad_event ev;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/7", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/7/fd", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/7/net", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/7/fd/0", dir);
	assert_int_equal(symlink("socket:[901]", p), 0);
	snprintf(p, sizeof(p), "%s/7/fd/1", dir);
	assert_int_equal(symlink("pipe:[5]", p), 0);
	snprintf(p, sizeof(p), "%s/7/fd/5", dir);
	assert_int_equal(symlink("socket:[900]", p), 0);
	snprintf(p, sizeof(p), "%s/7/fd/6", dir);
	assert_int_equal(symlink("socket:[902]", p), 0);
	snprintf(p, sizeof(p), "%s/7/net/unix", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("Num       RefCount Protocol Flags    Type St Inode Path\n"
	    "00000000d640e696: 00000002 00000000 00010000 0001 01   902 "
	    "/run/app.sock\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/7/net/tcp", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("  sl  local_address rem_address   st tx_queue rx_queue tr "
	    "tm->when retrnsmt   uid  timeout inode\n"
	    "   0: 00000000:AB91 00000000:0000 0A 00000000:00000000 "
	    "00:00000000 00000000     0        0 900 1 0 100 0 0 10 0\n"
	    "   1: 0100007F:AB91 0100007F:D004 01 00000000:00000000 "
	    "00:00000000 00000000     0        0 901 1 0 20 4 30 10 -1\n", f);
	fclose(f);

	ns = ad_netstate_new(dir, 1, 0);
	/* a listen with no bind seen: the socket's address from /proc */
	step(ns, &ev, AD_OP_LISTEN, 7, 5, NULL);
	assert_true(ev.net.present);
	assert_int_equal(ev.net.port, 0xab91);
	assert_string_equal(addr_text(&ev.net), "0.0.0.0");
	assert_int_equal(ev.net_src, AD_NSRC_PROC);
	/* a listen on an AF_UNIX socket: family local, its path */
	step(ns, &ev, AD_OP_LISTEN, 7, 6, NULL);
	assert_true(ev.net.present);
	assert_int_equal(ev.net.family, AF_UNIX);
	assert_string_equal(ev.net.path, "/run/app.sock");
	/* a dup onto fd 0 on the host: not read (shells do it all day) */
	memset(&ctr, 0, sizeof(ctr));
	mkev(&ev, AD_OP_DUP, 7, 5, NULL);
	ev.a[1] = 0;
	ad_netstate_event(ns, &ev);
	assert_int_equal(ev.stdio_net, AD_STDIO_UNREAD);
	/* in a container: a TCP socket, its peer */
	ev.container = &ctr;
	ad_netstate_event(ns, &ev);
	assert_int_equal(ev.stdio_net, AD_STDIO_NET);
	assert_int_equal(ev.net.port, 0xd004);
	/* onto fd 1, a pipe: not a network fd */
	ev.a[1] = 1;
	ev.stdio_net = AD_STDIO_UNREAD;
	ad_netstate_event(ns, &ev);
	assert_int_equal(ev.stdio_net, AD_STDIO_NO);
	/* gone before its fds were read: left unread, counted */
	step(ns, &ev, AD_OP_LISTEN, 8, 5, NULL);
	assert_false(ev.net.present);
	mkev(&ev, AD_OP_DUP, 8, 5, NULL);
	ev.a[1] = 0;
	ev.container = &ctr;
	ad_netstate_event(ns, &ev);
	assert_int_equal(ev.stdio_net, AD_STDIO_UNREAD);
	ad_netstate_stats(ns, &st);
	assert_int_equal(st.listen_from_proc, 2);
	assert_int_equal(st.proc_gone, 2);
	assert_int_equal(st.listen_unknown, 1);
	ad_netstate_free(ns);

	for (i = 0; i < AD_ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		assert_int_equal(remove(p), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_families),
		cmocka_unit_test(test_decode_bad),
		cmocka_unit_test(test_decode_vs_auparse),
		cmocka_unit_test(test_normalize_formats),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_proc_net_line),
		cmocka_unit_test(test_proc_unix_line),
		cmocka_unit_test(test_bind_listen),
		cmocka_unit_test(test_proc_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
