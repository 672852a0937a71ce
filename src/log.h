/*
 * log.h - one logging API (OpenSMTPD style).
 *
 * To stderr in the foreground, to syslog (LOG_DAEMON) otherwise.  log_warn
 * appends strerror(errno); log_warnx does not.  fatal/fatalx log and exit 1.
 * Every message a user sees should say what to do next.
 */
#ifndef AUDRIFT_LOG_H
#define AUDRIFT_LOG_H

#include <stdarg.h>

/* verbose: 1 debug too, 0 not, -1 nothing but errors (fuzz harnesses,
 * whose hostile inputs are warned about a million times an hour). */
void log_init(int to_stderr, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
