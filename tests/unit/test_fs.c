/*
 * kext_path_inside: a path below a canonical folder, plain or through
 * symbolic links and "..", inside or leading out, or missing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/fs.h"
#include "scratch_dir.h"

/* <scratch>/B.kext/Contents/MacOS/x.ko, <scratch>/outside.ko and links between them. */
static char *
make_tree(const char *scratch)
{
	char p[1024], *dir;
	int fd;

	snprintf(p, sizeof(p), "%s/B.kext", scratch);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/B.kext/Contents", scratch);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/B.kext/Contents/MacOS", scratch);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/B.kext/Contents/MacOS/x.ko", scratch);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/outside.ko", scratch);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/B.kext/Contents/out.ko", scratch);
	assert_int_equal(symlink("../../outside.ko", p), 0);
	snprintf(p, sizeof(p), "%s/B.kext/Contents/in.ko", scratch);
	assert_int_equal(symlink("MacOS/x.ko", p), 0);
	snprintf(p, sizeof(p), "%s/B.kext/Contents/Bin", scratch);
	assert_int_equal(symlink("MacOS", p), 0);
	snprintf(p, sizeof(p), "%s/B.kext", scratch);
	assert_non_null(dir = realpath(p, NULL));
	return dir;
}

/*
 * kext_path_inside(dir, dir/rel): its result, *real checked against want
 * (relative to dir's parent; NULL: none).
 */
static int
inside(const char *dir, const char *rel, const char *want)
{
	char path[1024], *real = (char *)"unset";
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	errno = 0;
	rc = kext_path_inside(dir, path, &real);
	if (want == NULL) {
		assert_null(real);
	} else {
		char expect[1024];

		snprintf(expect, sizeof(expect), "%.*s/%s", (int)(strrchr(dir, '/') - dir), dir,
		    want);
		assert_non_null(real);
		assert_string_equal(real, expect);
	}
	free(real);
	return rc;
}

static void
test_inside_plain_linked_and_out(void **state)
{
	char *dir = make_tree(*state), *outside;
	char *real = NULL;

	assert_int_equal(inside(dir, "Contents/MacOS/x.ko", "B.kext/Contents/MacOS/x.ko"), 0);
	assert_int_equal(inside(dir, "Contents/in.ko", "B.kext/Contents/MacOS/x.ko"), 0);
	assert_int_equal(inside(dir, "Contents/Bin/x.ko", "B.kext/Contents/MacOS/x.ko"), 0);
	assert_int_equal(inside(dir, "Contents/./MacOS//x.ko", "B.kext/Contents/MacOS/x.ko"), 0);
	assert_int_equal(inside(dir, "Contents/MacOS/../MacOS/x.ko",
	    "B.kext/Contents/MacOS/x.ko"), 0);
	/* out through a link and through "..": the real path is given, with EXDEV */
	assert_int_equal(inside(dir, "Contents/out.ko", "outside.ko"), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(inside(dir, "Contents/../../outside.ko", "outside.ko"), -1);
	assert_int_equal(errno, EXDEV);
	assert_int_equal(inside(dir, "Contents/MacOS/missing.ko", NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(inside(dir, "Contents/MacOS/x.ko/more", NULL), -1);
	/* the folder itself, below its parent */
	outside = strdup(dir);
	assert_non_null(outside);
	*strrchr(outside, '/') = '\0';
	assert_int_equal(kext_path_inside(outside, dir, &real), 0);
	assert_string_equal(real, dir);
	free(real);
	free(outside);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inside_plain_linked_and_out,
		    scratch_dir_setup, scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
