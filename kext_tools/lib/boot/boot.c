/* Loading the boot set, one transactional kext_load() per kext (see boot.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_internal.h"

void
kext_boot_report_free(struct kext_boot_report *report)
{
	for (size_t i = 0; i < report->n; i++) {
		free(report->items[i].identifier);
		free(report->items[i].required);
		kext_load_result_free(&report->items[i].result);
	}
	free(report->items);
	memset(report, 0, sizeof(*report));
}

int
kext_boot_load(struct kext_kernel *k, struct kext_repos *repos,
    const struct kext_boot_request *req, struct kext_boot_report *report, kext_error *err)
{
	struct boot_set set;
	struct kext_plan *plan = NULL;
	int osreldate, rc = 0;

	memset(report, 0, sizeof(*report));
	if (kext_kernel_osreldate(k, &osreldate, err) != 0 ||
	    boot_set_make(repos, req->required ? req->required : KEXT_BOOT_ANY, &set, err) != 0)
		return -1;
	if (boot_plan(repos, &set, osreldate, false, &plan, err) != 0) {
		rc = -1;
		goto out;
	}
	if ((report->items = calloc(set.n + 1, sizeof(*report->items))) == NULL) {
		rc = kext_fail(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < set.n; i++) {
		struct kext_boot_outcome *o = &report->items[report->n++];
		struct kext_load_request lr = {.bundles = &set.items[i].bundle, .num_bundles = 1,
		    .authenticate = req->authenticate, .dry_run = req->dry_run};

		o->identifier = strdup(set.items[i].identifier);
		o->required = strdup(set.items[i].required);
		if (o->identifier == NULL || o->required == NULL) {
			rc = kext_fail(err, ENOMEM, "out of memory");
			break;
		}
		o->rc = kext_load(k, repos, &lr, &o->result, &o->err);
		if (o->rc != 0)
			report->failures++;
	}
out:
	if (plan != NULL)
		kext_plan_free(plan);
	boot_set_free(&set);
	return rc;
}
