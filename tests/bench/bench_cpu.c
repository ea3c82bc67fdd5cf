/*
 * CPU time of a shell command, to the microsecond the kernel accounts
 * (/usr/bin/time prints 10 ms steps, as coarse as a whole small run):
 *   bench_cpu [-p PREP] [-t SECONDS] REPEAT CMD
 * runs sh -c CMD REPEAT times, or fewer once the runs have taken SECONDS of
 * CPU, each after sh -c PREP when given and not empty (its time not counted:
 * a reset of the state CMD changes), and prints the user + system seconds of
 * one CMD run (the mean, including what CMD runs and waits for) and the
 * number of runs. Repeating a short command until its total matches the long
 * command it is compared with measures both about as precisely.
 * Output of both commands is discarded; a failing one fails bench_cpu, so
 * no figure is made of work that was not done.
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double
children_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Runs sh -c cmd with its output discarded; 0 when it exits 0. */
static int
run(const char *cmd)
{
	pid_t pid;
	int status, null;

	if ((pid = fork()) < 0) {
		perror("bench_cpu: fork");
		return -1;
	}
	if (pid == 0) {
		if ((null = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("bench_cpu: waitpid");
		return -1;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "bench_cpu: killed by signal %d: %s\n", WTERMSIG(status), cmd);
		return -1;
	}
	if (WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_cpu: exit %d: %s\n", WEXITSTATUS(status), cmd);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *prep = NULL;
	double total = 0, enough = -1, before;	/* -1: no limit */
	long repeat, i;
	char *end;
	int c;

	while ((c = getopt(argc, argv, "+p:t:")) != -1) {
		if (c == 'p')
			prep = optarg[0] != '\0' ? optarg : NULL;
		else if (c == 't' && ((enough = strtod(optarg, &end)) < 0 || *end != '\0'))
			c = '?';
		if (c == '?')
			break;
	}
	if (c == '?' || argc - optind != 2 ||
	    (repeat = strtol(argv[optind], &end, 10)) < 1 || *end != '\0') {
		fprintf(stderr, "usage: bench_cpu [-p PREP] [-t SECONDS] REPEAT CMD\n");
		return 2;
	}
	for (i = 0; i < repeat && (i == 0 || enough < 0 || total < enough); i++) {
		if (prep != NULL && run(prep) != 0)
			return 1;
		before = children_cpu();
		if (run(argv[optind + 1]) != 0)
			return 1;
		total += children_cpu() - before;
	}
	printf("%.6f %ld\n", total / i, i);
	return 0;
}
