/*
 * berth-init: the minimal init of `docker run --init`, mounted at /sbin/docker-init.
 *
 *   docker-init -- PROGRAM [ARG...]
 *
 * As pid 1 it starts PROGRAM, passes on the signals it gets (a process that is pid 1 would
 * otherwise ignore the ones it has no handler for), reaps every orphan that lands on it, and
 * exits with PROGRAM's status (128 + the signal when it was killed). Built static: it runs inside
 * any image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: docker-init -- PROGRAM [ARG...]\n");
		return 2;
	}
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &all, NULL);

	pid_t child = fork();
	if (child < 0) {
		perror("docker-init: fork");
		return 2;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[first], argv + first);
		fprintf(stderr, "docker-init: exec %s: %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* Everything but the signals that stop or never reach a process goes on to PROGRAM. */
			if (sig != SIGSTOP && sig != SIGKILL)
				kill(child, sig);
			continue;
		}
		for (;;) {
			int status;
			pid_t p = waitpid(-1, &status, WNOHANG);
			if (p <= 0)
				break;
			if (p == child)
				return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
		}
	}
}
