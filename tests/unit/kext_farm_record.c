/* kextload's record of a loaded flat farm (see kext_farm_record.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/error.h"
#include "kext/kernel.h"
#include "kext/load.h"
#include "kext/load_record.h"
#include "kext_farm_record.h"

/* Gen<i>.kext as kextload's step loading it as file id i + 2 (kext_farm_sim_state's ids). */
static int
farm_step(struct kext_load_step *s, const char *dir, size_t i)
{
	char name[32];

	snprintf(name, sizeof(name), "%05zu", i);
	*s = (struct kext_load_step){.kind = KEXT_STEP_LOAD, .fileid = (int)i + 2, .root = true};
	if (asprintf(&s->identifier, "org.farm.gen%s", name) < 0)
		s->identifier = NULL;
	if (asprintf(&s->bundle_path, "%s/Gen%s.kext", dir, name) < 0)
		s->bundle_path = NULL;
	if (asprintf(&s->executable, "%s/Gen%s.kext/Contents/MacOS/gen%s.ko", dir, name,
	    name) < 0)
		s->executable = NULL;
	s->version = strdup("1.0");
	return s->identifier != NULL && s->bundle_path != NULL && s->executable != NULL &&
	    s->version != NULL ? 0 : -1;
}

int
kext_farm_load_record(const char *dir, size_t n, const char *spec, char *msg, size_t msglen)
{
	struct kext_load_result result = {0};
	struct kext_kernel *k = NULL;
	char *abs = realpath(dir, NULL);
	kext_error err = {0};
	int rc = -1;

	if (abs == NULL) {
		snprintf(msg, msglen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if ((result.steps = calloc(n + 1, sizeof(*result.steps))) == NULL) {
		snprintf(msg, msglen, "%s: out of memory", dir);
		goto out;
	}
	for (; result.n < n; result.n++)
		if (farm_step(&result.steps[result.n], abs, result.n) != 0) {
			snprintf(msg, msglen, "%s: out of memory", dir);
			result.n++;
			goto out;
		}
	if (kext_kernel_open(spec, &k, &err) != 0 || kext_load_record_add(k, &result, &err) != 0)
		snprintf(msg, msglen, "%s: %s", spec, err.msg);
	else
		rc = 0;
out:
	if (k != NULL)
		kext_kernel_close(k);
	kext_load_result_free(&result);
	free(abs);
	return rc;
}
