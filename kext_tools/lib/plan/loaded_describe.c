/*
 * Naming a loaded file as a kext (see loaded_describe.h). Opening each
 * file's bundle costs an Info.plist parse and its validation, most of what
 * kextstat spends per file; the record kextload wrote says the same of what
 * it loaded, and says it even after the bundle moved or changed on disk.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/sort.h"
#include "kext/version.h"
#include "loaded_describe.h"

static int
by_fileid_newest_first(const void *a, const void *b)
{
	const struct kext_load_record *x = *(const struct kext_load_record *const *)a;
	const struct kext_load_record *y = *(const struct kext_load_record *const *)b;

	if (x->fileid != y->fileid)
		return x->fileid < y->fileid ? -1 : 1;
	return x < y ? 1 : x > y ? -1 : 0;	/* later in the file: newer */
}

void
loaded_records_read(struct kext_kernel *k, struct loaded_records *lr)
{
	kext_error ignored;

	*lr = (struct loaded_records){0};
	if (kext_load_record_read_as_written(k, &lr->all, &ignored) != 0 || lr->all.n == 0)
		return;
	if ((lr->by_fileid = calloc(lr->all.n, sizeof(*lr->by_fileid))) == NULL)
		return;
	for (size_t i = 0; i < lr->all.n; i++)
		lr->by_fileid[i] = &lr->all.items[i];
	lr->n = lr->all.n;
	kext_sort(lr->by_fileid, lr->n, sizeof(*lr->by_fileid), by_fileid_newest_first);
}

void
loaded_records_free(struct loaded_records *lr)
{
	free(lr->by_fileid);
	kext_load_records_free(&lr->all);
	*lr = (struct loaded_records){0};
}

static const struct kext_load_record *
newest_with_fileid(const struct loaded_records *lr, int fileid)
{
	size_t lo = 0, hi = lr->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (lr->by_fileid[mid]->fileid < fileid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < lr->n && lr->by_fileid[lo]->fileid == fileid ? lr->by_fileid[lo] : NULL;
}

/*
 * The entry that still stands for l: written for its file id and path (a
 * FreeBSD kld id is not reused while its file stays loaded; the linux backend
 * numbers files afresh in each run, so there ids say nothing), by a kextload
 * that recorded the compatible version, about a file not replaced since.
 */
static const struct kext_load_record *
standing_entry(const struct kext_loaded_entry *l, const struct loaded_records *lr,
    enum kmod_os os, bool *gone)
{
	const struct kext_load_record *rec;
	struct stat st;

	*gone = false;
	if (os == KMOD_OS_LINUX || l->pathname == NULL ||
	    (rec = newest_with_fileid(lr, l->fileid)) == NULL || rec->compat_version == NULL ||
	    strcmp(rec->path, l->pathname) != 0)
		return NULL;
	if (stat(l->pathname, &st) != 0)
		*gone = true;
	else if ((int64_t)st.st_ctime > rec->when)
		return NULL;
	return rec;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

void
loaded_describe(struct kext_loaded_entry *l, const struct loaded_records *lr, enum kmod_os os)
{
	const struct kext_load_record *rec = standing_entry(l, lr, os, &l->bundle_gone);
	struct kext_bundle *b;

	if (rec != NULL) {
		l->bundle_path = rec->bundle_path[0] != '\0' ? strdup(rec->bundle_path) : NULL;
		l->identifier = strdup(rec->identifier);
		l->version = strdup(rec->version);
		l->version_value = kext_version_parse(rec->version);
		l->compat_value = rec->compat_version[0] != '\0' ?
		    kext_version_parse(rec->compat_version) : KEXT_VERSION_MISSING;
		return;
	}
	/* A file that is not inside a readable kext is still listed, by file and module names. */
	if (l->pathname == NULL || kext_bundle_open_for_executable(l->pathname, &b, NULL) != 0)
		return;
	l->bundle_path = dup_or_null(kext_bundle_path(b));
	l->identifier = dup_or_null(kext_bundle_identifier(b));
	l->version = dup_or_null(kext_bundle_version_string(b));
	l->version_value = kext_bundle_version(b);
	l->compat_value = kext_bundle_compatible_version(b);
	kext_bundle_release(b);
}
