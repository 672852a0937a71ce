/* execveat.c: exec /bin/true through execveat(2), for audrift golden logs.
 * Built at record time by scripts/record-golden (not committed as binary).
 *   execveat empty  -> execveat(fd_of(/bin/true), "", argv, envp, AT_EMPTY_PATH)
 *   execveat rel    -> execveat(fd_of(/bin), "true", argv, envp, 0)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "empty";
	char *args[] = { "true", "execveat-arg", NULL };
	long rc;

	if (strcmp(mode, "rel") == 0) {
		int dfd = open("/bin", O_RDONLY | O_DIRECTORY);
		if (dfd < 0) { perror("open /bin"); return 2; }
		rc = syscall(SYS_execveat, dfd, "true", args, environ, 0);
	} else {
		int fd = open("/bin/true", O_RDONLY);
		if (fd < 0) { perror("open /bin/true"); return 2; }
		rc = syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	}
	perror("execveat");
	return rc == 0 ? 0 : 1;
}
