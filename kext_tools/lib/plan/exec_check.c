/*
 * The executable of a kext against the kernel it is for (kext/kmod_check.h):
 * every problem becomes a diagnostic of the bundle, and the first one that
 * stops the load becomes the error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "kext/bundle.h"
#include "kext/diag.h"
#include "kext/error.h"
#include "kext/kmod_check.h"
#include "plan_internal.h"

int
plan_check_executable(struct kext_bundle *b, const struct plan_exec *x, kext_error *err)
{
	const char *exe = kext_bundle_executable_path(b);
	struct kext_diags *d = kext_bundle_diags(b);
	const struct kmod_check *c = &x->check;
	int rc = 0;

	if (exe == NULL)
		return 0;
	if (x->read_rc != 0) {
		*err = x->read_err;
		if (err->code != ENOMEM)
			kext_diags_add(d, KEXT_DIAG_VALIDATION, KEXT_DIAG_EXECUTABLE_BAD, "%s - %s",
			    exe, err->msg);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct kmod_problem *p = &c->problems[i];
		bool fatal = p->kind != KMOD_PROBLEM_WARNING;

		kext_diags_add(d, fatal ? KEXT_DIAG_VALIDATION : KEXT_DIAG_WARNING,
		    fatal ? KEXT_DIAG_EXECUTABLE_NOT_LOADABLE : KEXT_DIAG_EXECUTABLE_WARNING,
		    "%s - it is %s: %s", exe, c->what, p->text);
		if (fatal && rc == 0)
			rc = kext_fail(err, ENOEXEC, "%s (%s): its executable %s is %s: %s; not "
			    "loading it", kext_bundle_identifier(b) ? kext_bundle_identifier(b) : "?",
			    kext_bundle_path(b), exe, c->what, p->text);
	}
	return rc;
}
