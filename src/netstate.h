/*
 * netstate.h - what the network events need beyond their own records.
 *
 *   - A listen logs only its fd (a0).  Its address is the one the same
 *     process bound that fd to: a bounded table (pid, fd) -> address
 *     filled by bind events.  When the table has none (an fd bound
 *     before audrift started, a port the kernel chose, bind(port 0)),
 *     and the process lives, /proc/PID/fd/FD names the socket inode and
 *     /proc/PID/net/tcp{,6} (its network namespace) its address, or
 *     /proc/PID/net/unix says it is an AF_UNIX socket (family local).
 *   - An accept logs its peer only when asked; otherwise, live, the new
 *     fd's peer from /proc.
 *   - A dup2/dup3 onto fd 0, 1 or 2 in a container, live: is that fd
 *     now a TCP or UDP socket (event's stdio_net), and its peer.
 *   - An exec in a container, live: is fd 0, 1 or 2 a TCP or UDP socket
 *     (a reverse shell); the process lives as long as its connection,
 *     so reading its fds at the exec is not a race.
 * Replayed events get the bind table only (live 0: no /proc).
 *
 * Not thread-safe: one per event thread.
 */
#ifndef AUDRIFT_NETSTATE_H
#define AUDRIFT_NETSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ad_netstate;

/* procfs: "/proc" or a fixture tree; live 0: never read it.  slots: the
 * bind table's size (0: 4096); allocated here, never again. */
struct ad_netstate *ad_netstate_new(const char *procfs, int live,
    size_t slots);
void ad_netstate_free(struct ad_netstate *ns);		/* NULL: no-op */

/* Complete ev (after the container resolver: an exec's fds are read in
 * containers only).  Fills ev->net, ev->net_src, ev->stdio_net. */
void ad_netstate_event(struct ad_netstate *ns, struct ad_event *ev);

struct ad_netstate_stats {
	uint64_t binds;			/* kept in the table */
	uint64_t listen_from_bind;	/* listen address from the table */
	uint64_t listen_from_proc;	/* ... from /proc */
	uint64_t listen_unknown;	/* neither: the listen has no port */
	uint64_t proc_gone;		/* the process was gone when read */
	uint64_t stdio_reads;		/* execs and dups whose fds were read */
	uint64_t evicted;		/* table entries replaced */
};
void ad_netstate_stats(const struct ad_netstate *ns,
    struct ad_netstate_stats *out);

#endif
