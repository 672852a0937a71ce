/*
 * net.h - addresses of the network events: SOCKADDR decoding, address
 * families, CIDR networks, "public" addresses, and the socket tables of
 * /proc/PID/net/{tcp,tcp6,udp,udp6}.  Pure functions (no allocation, no
 * system call) except ad_proc_socket_*, which read /proc.
 */
#ifndef AUDRIFT_NET_H
#define AUDRIFT_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The socket address of an event (struct ad_event's net): present 0
 * when the event carries none (all zero bytes: none).  addrlen is 4 (inet) or 16 (inet6) bytes
 * in addr, network order, else 0; port -1 when none; path is an AF_UNIX
 * socket's name (an abstract one starts with '@'), empty otherwise. */
#define AD_NET_PATH_MAX	108
struct ad_net {
	int present;
	int family;
	int addrlen;
	uint8_t addr[16];
	int port;
	char path[AD_NET_PATH_MAX + 1];
};

void ad_net_clear(struct ad_net *n);

/*
 * Decode a SOCKADDR record's saddr= (the kernel's struct sockaddr in
 * hex, len characters).  Returns 0 and fills n; -1 when the hex is
 * malformed (odd length, a non-hex digit, fewer than the 2 bytes of the
 * family): n is then cleared (not present).  A family's address that is cut short
 * (sockaddr_in with fewer than 8 bytes, sockaddr_in6 fewer than 24)
 * keeps the family, without address and port: returns 1.  Families
 * other than inet, inet6 and unix keep their family only.
 */
int ad_sockaddr_decode(const char *hex, size_t len, struct ad_net *n);

/* "inet", "inet6", "local", "netlink", "packet", ... for an AF_*, or
 * NULL for a family this table does not name. */
const char *ad_family_name(int family);

/* The address as text (inet_ntop) into buf; returns its length, or -1
 * when n has no address or buf is too small (cap >= 46 always fits). */
int ad_net_addr_text(const struct ad_net *n, char *buf, size_t cap);

/* 1: the address is public: not unspecified, loopback, link-local,
 * private (RFC 1918, RFC 4193 fc00::/7), shared (CGNAT 100.64.0.0/10),
 * multicast or broadcast (IPv4-mapped IPv6 is judged as IPv4); 0 not;
 * -1 no address. */
int ad_net_public(const struct ad_net *n);

/* A network: an address and a prefix length (32 or 128 for one
 * address).  family is AF_INET or AF_INET6. */
struct ad_cidr {
	int family;
	int prefix;
	uint8_t addr[16];
};

/*
 * Parse "10.0.0.0/8", "fc00::/7", "127.0.0.1", "::1".  Returns 0, or -1
 * with a message for the user in err (what is wrong and what to write).
 * Bits set past the prefix are an error ("10.0.0.1/8": write 10.0.0.0/8).
 */
int ad_cidr_parse(const char *s, struct ad_cidr *out, char *err, size_t cap);

/* Is n's address in c?  An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 * is in an IPv4 network.  0 when n has no address. */
int ad_cidr_match(const struct ad_cidr *c, const struct ad_net *n);

/*
 * One line of /proc/net/tcp (v6: tcp6) format: if its inode is `inode`,
 * fill local and remote and return 1; 0 when it is another socket, -1
 * when the line is not of that format.  Pure: the tests feed it text.
 */
int ad_proc_net_line(const char *line, int v6, uint64_t inode,
    struct ad_net *local, struct ad_net *remote);

/* The inode of socket fd of pid (readlink /proc/PID/fd/FD is
 * "socket:[N]"): 1 and *inode set; 0 when the fd is not a socket; -1
 * when the process or fd is gone. */
int ad_proc_fd_socket(const char *procfs, pid_t pid, int fd,
    uint64_t *inode);

/* Find socket inode in pid's network namespace (/proc/PID/net/tcp,
 * tcp6, udp, udp6; tcp only when tcp_only): fill local and remote,
 * *proto "tcp" or "udp".  1 found, 0 not found (not an inet socket),
 * -1 the process is gone. */
int ad_proc_socket_find(const char *procfs, pid_t pid, uint64_t inode,
    int tcp_only, struct ad_net *local, struct ad_net *remote,
    const char **proto);

/* One line of /proc/net/unix: if its inode is `inode`, fill n (family
 * local, its path when it has one; '@' first for an abstract name) and
 * return 1; 0 another socket; -1 not of that format.  Pure. */
int ad_proc_unix_line(const char *line, uint64_t inode, struct ad_net *n);

/* Is socket inode of pid an AF_UNIX one (/proc/PID/net/unix)?  1 and n
 * filled, 0 not found, -1 unreadable (gone). */
int ad_proc_unix_find(const char *procfs, pid_t pid, uint64_t inode,
    struct ad_net *n);

#endif
