/*
 * kextfind's engine (kext/find.h): -exec's replacements, Apple's property
 * layout for -pp and -pm, dependencies and dependents resolved through the
 * plan among the searched kexts, and commands run in evaluation order with
 * their truth deciding the rest of an -and.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/find.h"
#include "kext/repo.h"
#include "test_bundle_fixture.h"

struct fixture {
	char *dir, *ext;
	struct kext_repos *repos;
	struct kext_find_context *ctx;
};

/* A personality with a string, a number and a boolean; data, a dict and an array on top. */
static const char extra[] =
    "\t<key>IOKitPersonalities</key>\n\t<dict>\n"
    "\t\t<key>first</key><dict><key>IOClass</key><string>Fx</string>"
    "<key>IOProviderClass</key><string>FxBus</string>"
    "<key>CFBundleIdentifier</key><string>org.fx.user</string>"
    "<key>IOProbeScore</key><integer>7</integer></dict>\n"
    "\t\t<key>second</key><dict><key>IOClass</key><string>FxToo</string>"
    "<key>IOProviderClass</key><string>FxBus</string>"
    "<key>CFBundleIdentifier</key><string>org.fx.user</string>"
    "<key>IOProbeScore</key><integer>9</integer></dict>\n"
    "\t</dict>\n"
    "\t<key>FxData</key><data>AAECAwQ=</data>\n"
    "\t<key>FxTrue</key><true/>\n"
    "\t<key>FxArray</key><array><string>a</string><string>b</string></array>\n";

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fx_spec user = {"org.fx.user", "2.0", NULL, "org.fx.lib=1.0", "exe.ko", false,
	    extra};
	kext_error err;

	f->dir = fx_tmpdir();
	f->ext = fx_fmt("%s/Extensions", f->dir);
	free(fx_kernel(f->ext, "Kernel.kext", "org.freebsd.kernel", "14.2", "14.0"));
	free(fx_lib(f->ext, "Lib.kext", "org.fx.lib", "1.5", "1.0", "org.freebsd.kernel=14.0"));
	free(fx_kext(f->ext, "User.kext", &user));
	free(fx_lib(f->ext, "Orphan.kext", "org.fx.orphan", "1.0", "1.0", "org.fx.none=1.0"));
	assert_int_equal(kext_repos_create(&f->repos, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(f->repos, NULL, &err), 0);
	assert_int_equal(kext_repos_add_directory(f->repos, f->ext, KEXT_REPO_DIRECTORY, &err), 0);
	assert_int_equal(kext_find_context_create(f->repos, NULL, NULL, NULL, &f->ctx, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	kext_find_context_free(f->ctx);
	kext_repos_free(f->repos);
	scratch_dir_free(f->dir);
	free(f->ext);
	free(f);
	return 0;
}

/* The item for the kext with this identifier. */
static struct kext_find_item
item(struct fixture *f, const char *id)
{
	struct kext_find_item it = {.ctx = f->ctx, .authentic = -1, .loadable = -1};
	const struct kext_candidate **c;
	size_t n;
	kext_error err;

	assert_int_equal(kext_repos_lookup(f->repos, id, &c, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kext_repos_open(f->repos, c[0], &it.bundle, &err), 0);
	free(c);
	return it;
}

static void
exec_replaces_every_placeholder(void **state)
{
	struct fixture *f = *state;
	struct kext_find_item user = item(f, "org.fx.user"), kernel = item(f, "org.freebsd.kernel");
	char *const words[] = {"echo", "{}:{}", "{info-dictionary}", "{executable}", "{x}"};
	struct kext_find_action a = {.kind = KEXT_FIND_EXEC, .argv = words, .argc = 5};
	const char *path = kext_bundle_path(user.bundle);
	char **argv, *want;
	kext_error err;

	assert_int_equal(kext_find_exec_argv(&a, &user, &argv, &err), 0);
	assert_string_equal(argv[0], "echo");
	want = fx_fmt("%s:%s", path, path);
	assert_string_equal(argv[1], want);
	free(want);
	assert_string_equal(argv[2], kext_bundle_info_plist_path(user.bundle));
	assert_string_equal(argv[3], kext_bundle_executable_path(user.bundle));
	assert_string_equal(argv[4], "{x}");
	assert_null(argv[5]);
	kext_find_exec_argv_free(argv);
	/* A codeless kext has no executable: the word stays as written. */
	assert_int_equal(kext_find_exec_argv(&a, &kernel, &argv, &err), 0);
	assert_string_equal(argv[3], "{executable}");
	kext_find_exec_argv_free(argv);
	kext_find_item_clear(&user);
	kext_find_item_clear(&kernel);
}

static void
properties_print_as_apple_prints_them(void **state)
{
	struct fixture *f = *state;
	struct kext_find_item it = item(f, "org.fx.user");
	static const char *const want[][2] = {
		{"CFBundleVersion", "CFBundleVersion = \"2.0\""},
		{"FxTrue", "FxTrue = true"},
		{"FxData", "FxData = <data (5 bytes): 00010203 04>"},
		{"FxArray", "FxArray = <array of 2 items>"},
		{"IOKitPersonalities", "IOKitPersonalities = <dictionary of 2 items>"},
	};
	char *line, **lines;
	size_t n;
	kext_error err;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		line = kext_find_property_line(&it, want[i][0]);
		assert_non_null(line);
		assert_string_equal(line, want[i][1]);
		free(line);
	}
	assert_null(kext_find_property_line(&it, "FxMissing"));
	assert_int_equal(kext_find_match_property_lines(&it, "IOProbeScore", &lines, &n, &err), 0);
	assert_int_equal(n, 2);
	/* Dictionary order is not the file's: compare as a set. */
	assert_true((strcmp(lines[0], "first: IOProbeScore = 7") == 0 &&
	    strcmp(lines[1], "second: IOProbeScore = 9") == 0) ||
	    (strcmp(lines[1], "first: IOProbeScore = 7") == 0 &&
	    strcmp(lines[0], "second: IOProbeScore = 9") == 0));
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	assert_int_equal(kext_find_match_property_lines(&it, "FxNowhere", &lines, &n, &err), 0);
	assert_int_equal(n, 0);
	free(lines);
	kext_find_item_clear(&it);
}

static void
dependencies_resolve_among_the_searched_kexts(void **state)
{
	struct fixture *f = *state;
	struct kext_find_item user = item(f, "org.fx.user"), lib = item(f, "org.fx.lib");
	struct kext_find_item orphan = item(f, "org.fx.orphan");
	const char *const *deps;
	const char **dependents;
	size_t n;
	kext_error err;

	assert_int_equal(kext_find_dependencies(&user, &deps, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_non_null(strstr(deps[0], "/Kernel.kext"));
	assert_non_null(strstr(deps[1], "/Lib.kext"));
	assert_int_equal(kext_find_dependencies(&orphan, &deps, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(kext_find_dependents(&lib, &dependents, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(dependents[0], kext_bundle_path(user.bundle));
	free(dependents);
	assert_int_equal(kext_find_dependents(&user, &dependents, &n, &err), 0);
	assert_int_equal(n, 0);
	free(dependents);
	kext_find_item_clear(&user);
	kext_find_item_clear(&lib);
	kext_find_item_clear(&orphan);
}

/* The commands the callback saw, and what it answered for -exec. */
struct seen {
	enum kext_find_action_kind kinds[8];
	size_t n;
	bool exec_result;
};

static bool
record(void *arg, const struct kext_find_action *a, struct kext_find_item *it)
{
	struct seen *s = arg;

	(void)it;
	s->kinds[s->n++] = a->kind;
	return a->kind == KEXT_FIND_EXEC ? s->exec_result : true;
}

static void
commands_run_in_order_and_exec_decides(void **state)
{
	struct fixture *f = *state;
	struct kext_find_item it = item(f, "org.fx.user");
	char *argv[] = {"kextfind", "-d", "-exec", "true", "{}", ";", "-print", "-nd", "-echo",
	    "x"};
	struct kext_find_defaults def = {0};
	struct kext_find_query *q;
	struct seen s = {.exec_result = false};
	kext_error err;
	bool match;
	int i = 1;

	assert_int_equal(kext_find_parse(10, argv, &i, &def, &q, &err), 0);
	assert_int_equal(i, 10);
	assert_true(kext_find_has_commands(q));
	assert_string_equal(kext_find_kernel_reason(q), "-d");
	assert_int_equal(kext_find_eval(q, &it, record, &s, &match, &err), 0);
	assert_false(match);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.kinds[0], KEXT_FIND_EXEC);
	s = (struct seen){.exec_result = true};
	assert_int_equal(kext_find_eval(q, &it, record, &s, &match, &err), 0);
	/* -nd is false for a kext whose libraries resolve: -echo is not reached. */
	assert_false(match);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.kinds[1], KEXT_FIND_PRINT);
	kext_find_query_free(q);
	kext_find_item_clear(&it);
}

static void
exec_needs_its_semicolon(void **state)
{
	char *argv[] = {"kextfind", "-exec", "echo", "{}"};
	char *empty[] = {"kextfind", "-exec", ";"};
	struct kext_find_defaults def = {0};
	struct kext_find_query *q;
	kext_error err;
	int i = 1;

	(void)state;
	assert_int_equal(kext_find_parse(4, argv, &i, &def, &q, &err), -1);
	assert_string_equal(err.msg, "no terminating ; for -exec");
	i = 1;
	assert_int_equal(kext_find_parse(3, empty, &i, &def, &q, &err), -1);
	assert_non_null(strstr(err.msg, "needs a command"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(exec_replaces_every_placeholder, setup, teardown),
		cmocka_unit_test_setup_teardown(properties_print_as_apple_prints_them, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(dependencies_resolve_among_the_searched_kexts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(commands_run_in_order_and_exec_decides, setup,
		    teardown),
		cmocka_unit_test(exec_needs_its_semicolon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
