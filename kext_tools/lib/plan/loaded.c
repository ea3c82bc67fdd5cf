/* The kernel's loaded files seen as kexts (see loaded.h). */
#include <sys/utsname.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/bundle.h"
#include "kext/fbsd_version.h"
#include "kext/hints.h"
#include "kext/loaded.h"
#include "kext/map.h"
#include "kext/sort.h"
#include "kext/text.h"
#include "loaded_describe.h"

/* A file providing a MODULE_VERSION, on the list of that name's providers. */
struct provider {
	const struct kext_loaded_entry *entry;
	int version;
	struct provider *next;	/* the next provider of the name, in file id order */
};

struct kext_loaded_index {
	struct kext_map *identifiers;	/* CFBundleIdentifier -> entry */
	struct kext_map *file_names;	/* "if_bridge.ko" -> first entry but the kernel */
	struct kext_map *modules;	/* module name -> first registering entry but the kernel */
	struct kext_map *versions;	/* MODULE_VERSION name -> struct provider list */
	struct provider *providers;	/* storage of every list */
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/*
 * kld has no call that lists the kernel's built-in interfaces, but kldxref
 * writes them into the linker.hints beside the kernel ("VERSION pci.1 in
 * kernel"); without that file they stay unknown.
 */
static void
kernel_versions_from_hints(struct kext_loaded_entry *l)
{
	char path[1100];
	const char *slash;
	struct hints_file *h;
	size_t n = 0;

	if (l->versions_known || l->pathname == NULL || (slash = strrchr(l->pathname, '/')) == NULL)
		return;
	snprintf(path, sizeof(path), "%.*s/linker.hints", (int)(slash - l->pathname), l->pathname);
	if (hints_open(path, &h, NULL) != 0)
		return;
	if ((l->versions = calloc(h->num_records + 1, sizeof(*l->versions))) != NULL) {
		for (size_t i = 0; i < h->num_records; i++) {
			const struct hints_record *r = &h->records[i];

			if (r->type != HINTS_VERSION || r->kldfile == NULL ||
			    strcmp(r->kldfile, "kernel") != 0 ||
			    (l->versions[n].name = strdup(r->name)) == NULL)
				continue;
			l->versions[n++].version = r->version;
		}
		l->num_versions = n;
		l->versions_known = true;
	}
	hints_free(h);
}

static void
describe_kernel(struct kext_loaded_entry *l, int osreldate)
{
	char v[KEXT_FBSD_VERSION_STRMAX], c[KEXT_FBSD_VERSION_STRMAX];

	if (kext_fbsd_osreldate_string(osreldate, v, sizeof(v)) != 0 ||
	    kext_fbsd_osreldate_compat_string(osreldate, c, sizeof(c)) != 0)
		return;
	kernel_versions_from_hints(l);
	l->identifier = strdup(KEXT_KERNEL_BUNDLE_ID);
	l->version = strdup(v);
	l->version_value = kext_version_parse(v);
	l->compat_value = kext_version_parse(c);
}

/*
 * The kext version of a Linux release: its leading MAJOR.MINOR[.PATCH]
 * ("6.1.0-56-cloud-amd64" -> "6.1.0"); "" when it does not start so.
 */
void
kext_linux_release_version(const char *release, char *buf, size_t len)
{
	size_t n = 0, dots = 0;

	while (release[n] != '\0' && n + 1 < len) {
		if (release[n] == '.' && (dots == 2 || n == 0 || release[n - 1] == '.'))
			break;
		if (release[n] != '.' && (release[n] < '0' || release[n] > '9'))
			break;
		dots += release[n] == '.';
		n++;
	}
	if (n > 0 && release[n - 1] == '.')
		n--;
	if (len > 0) {
		memcpy(buf, release, n);
		buf[n] = '\0';
	}
}

static void
describe_linux_kernel(struct kext_loaded_entry *l, const char *release)
{
	char v[32];

	kext_linux_release_version(release, v, sizeof(v));
	if (v[0] == '\0')
		return;
	l->identifier = strdup(KEXT_LINUX_KERNEL_BUNDLE_ID);
	l->version = strdup(v);
	l->version_value = kext_version_parse(v);
	l->compat_value = l->version_value;
}

/* Adds key -> value unless key is there already: the first in file order wins. */
static int
index_first(struct kext_map *m, const char *key, const void *value)
{
	void **slot;

	if (key == NULL)
		return 0;
	if ((slot = kext_map_slot(m, key, true)) == NULL)
		return -1;
	if (*slot == NULL)
		*slot = (void *)value;
	return 0;
}

static size_t
count_versions(const struct kext_loaded_entry *l)
{
	size_t n = 0;

	for (size_t r = 0; l->kf != NULL && r < l->kf->num_records; r++)
		n += l->kf->records[r].type == KMOD_VERSION;
	return n;
}

static void
index_free(struct kext_loaded_index *x)
{
	if (x == NULL)
		return;
	kext_map_free(x->identifiers, NULL);
	kext_map_free(x->file_names, NULL);
	kext_map_free(x->modules, NULL);
	kext_map_free(x->versions, NULL);
	free(x->providers);
	free(x);
}

/*
 * The versions each file's metadata provides, listed by name in file id
 * order: the files are visited last first and each prepended.
 */
static int
index_versions(struct kext_loaded_index *x, const struct kext_loaded_set *set)
{
	size_t total = 0, used = 0;

	for (size_t i = 0; i < set->n; i++)
		total += count_versions(&set->items[i]);
	if ((x->providers = calloc(total + 1, sizeof(*x->providers))) == NULL)
		return -1;
	for (size_t i = set->n; i-- > 0;) {
		const struct kext_loaded_entry *l = &set->items[i];

		for (size_t r = l->kf != NULL ? l->kf->num_records : 0; r-- > 0;) {
			const struct kmod_record *rec = &l->kf->records[r];
			struct provider *p = &x->providers[used];
			void **slot;

			if (rec->type != KMOD_VERSION)
				continue;
			if ((slot = kext_map_slot(x->versions, rec->u.version.name, true)) == NULL)
				return -1;
			/* a file listing a name twice: its first record counts, as a scan finds */
			if (*slot != NULL && ((struct provider *)*slot)->entry == l)
				((struct provider *)*slot)->version = rec->u.version.version;
			else {
				p->entry = l;
				p->version = rec->u.version.version;
				p->next = *slot;
				*slot = p;
				used++;
			}
		}
	}
	return 0;
}

static int
build_index(struct kext_loaded_set *set)
{
	struct kext_loaded_index *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	set->index = x;
	if ((x->identifiers = kext_map_new()) == NULL || (x->file_names = kext_map_new()) == NULL ||
	    (x->modules = kext_map_new()) == NULL || (x->versions = kext_map_new()) == NULL)
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		const struct kext_loaded_entry *l = &set->items[i];

		if (index_first(x->identifiers, l->identifier, l) != 0 ||
		    (i > 0 && index_first(x->file_names, l->file_name, l) != 0))
			return -1;
		for (size_t m = 0; i > 0 && m < l->num_modules; m++)
			if (index_first(x->modules, l->modules[m], l) != 0)
				return -1;
	}
	return index_versions(x, set);
}

const struct kext_loaded_entry *
kext_loaded_provider(const struct kext_loaded_set *set, const struct kmod_depend *d)
{
	const struct kext_loaded_entry *best = NULL;
	int best_version = 0;

	for (const struct provider *p = kext_map_get(set->index->versions, d->name); p != NULL;
	    p = p->next)
		if (kext_fbsd_version_better(d->min, d->pref, d->max, p->version, best != NULL,
		    best_version)) {
			best = p->entry;
			best_version = p->version;
		}
	return best;
}

static int
provider_of(const struct kext_loaded_set *set, const struct kmod_depend *d)
{
	const struct kext_loaded_entry *p;

	if (strcmp(d->name, "kernel") == 0)
		return set->n > 0 ? set->items[0].fileid : 0;
	p = kext_loaded_provider(set, d);
	return p != NULL ? p->fileid : 0;
}

static int
by_id_descending(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

/* Linux modules link against the kernel and each depends= module that is loaded. */
static int
link_linux(struct kext_loaded_set *set, struct kext_loaded_entry *l)
{
	const struct kmod_linux *lx = &l->kf->lx;

	if ((l->linked = calloc(lx->num_depends + 2, sizeof(*l->linked))) == NULL)
		return -1;
	for (size_t d = 0; d < lx->num_depends; d++)
		for (size_t i = 1; i < set->n; i++) {
			const struct kext_loaded_entry *o = &set->items[i];

			if (o != l && o->num_modules > 0 &&
			    kmod_linux_name_equal(o->modules[0], lx->depends[d])) {
				l->linked[l->num_linked++] = o->fileid;
				break;
			}
		}
	if (set->n > 0)
		l->linked[l->num_linked++] = set->items[0].fileid;
	kext_sort(l->linked, l->num_linked, sizeof(*l->linked), by_id_descending);
	return 0;
}

/*
 * FreeBSD: every loaded file links against the kernel (linker_load_dependencies
 * in sys/kern/kern_linker.c adds linker_kernel_file to each file's deps before
 * its MODULE_DEPENDs, even for a file without DECLARE_MODULE), then against
 * the provider of each MODULE_DEPEND that is not a self reference.
 */
static int
link_dependencies(struct kext_loaded_set *set, struct kext_loaded_entry *l)
{
	size_t records = l->kf != NULL ? l->kf->num_records : 0;

	if (l == &set->items[0])
		return 0;	/* the kernel links against nothing */
	if (l->kf != NULL && l->kf->os == KMOD_OS_LINUX)
		return link_linux(set, l);
	if ((l->linked = calloc(records + 2, sizeof(*l->linked))) == NULL)
		return -1;
	if (set->os != KMOD_OS_LINUX && set->n > 0)
		l->linked[l->num_linked++] = set->items[0].fileid;
	for (size_t r = 0; r < records; r++) {
		const struct kmod_record *rec = &l->kf->records[r];
		int id;
		bool seen = false;

		if (rec->type != KMOD_DEPEND || kmod_find_version(l->kf, rec->u.depend.name) != NULL)
			continue;
		if ((id = provider_of(set, &rec->u.depend)) == 0 || id == l->fileid)
			continue;
		for (size_t j = 0; j < l->num_linked; j++)
			seen |= l->linked[j] == id;
		if (!seen)
			l->linked[l->num_linked++] = id;
	}
	kext_sort(l->linked, l->num_linked, sizeof(*l->linked), by_id_descending);
	return 0;
}

static int
copy_file(struct kext_loaded_entry *l, const struct kext_kld_file *f)
{
	l->fileid = f->id;
	l->refs = f->refs;
	l->address = f->address;
	l->size = f->size;
	l->file_name = dup_or_null(f->name);
	l->pathname = dup_or_null(f->pathname);
	if (f->num_modules > 0 &&
	    (l->modules = calloc(f->num_modules, sizeof(*l->modules))) == NULL)
		return -1;
	for (size_t m = 0; m < f->num_modules; m++)
		if ((l->modules[l->num_modules++] = dup_or_null(f->modules[m].name)) == NULL)
			return -1;
	l->versions_known = f->versions_known;
	if (f->num_versions > 0 &&
	    (l->versions = calloc(f->num_versions, sizeof(*l->versions))) == NULL)
		return -1;
	for (size_t v = 0; v < f->num_versions; v++) {
		l->versions[v].version = f->versions[v].version;
		if ((l->versions[l->num_versions++].name = dup_or_null(f->versions[v].name)) == NULL)
			return -1;
	}
	return l->file_name != NULL ? 0 : -1;
}

/*
 * The place of the entry with fileid, or set->n: the items are in ascending
 * file id order (kext_kernel_list's promise).
 */
static size_t
place_of(const struct kext_loaded_set *set, int fileid)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->items[mid].fileid == fileid)
			return mid;
		if (set->items[mid].fileid < fileid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return set->n;
}

/*
 * What kext_loaded_dependents counts for every entry, in one pass over the
 * links rather than one pass per entry: each file linking against an entry,
 * once however often it names it.
 */
static void
count_dependents(struct kext_loaded_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct kext_loaded_entry *l = &set->items[i];

		for (size_t j = 0; j < l->num_linked; j++) {
			size_t at = place_of(set, l->linked[j]);
			bool again = false;

			for (size_t k = 0; k < j && !again; k++)
				again = l->linked[k] == l->linked[j];
			if (!again && at < set->n)
				set->items[at].num_dependents++;
		}
	}
}

/* The running kernel's release; $KEXT_LINUX_RELEASE stands in for it in tests. */
static int
kernel_release(char *buf, size_t len)
{
	const char *fake = getenv("KEXT_LINUX_RELEASE");
	struct utsname u;

	if (fake != NULL && fake[0] != '\0') {
		snprintf(buf, len, "%s", fake);
		return 0;
	}
	if (uname(&u) != 0)
		return -1;
	snprintf(buf, len, "%s", u.release);
	return 0;
}

int
kext_loaded_read(struct kext_kernel *k, struct kext_loaded_set *set, kext_error *err)
{
	struct kext_kld_file *files;
	struct loaded_records records;
	size_t n;

	memset(set, 0, sizeof(*set));
	set->os = kext_kernel_os(k);
	if (set->os == KMOD_OS_LINUX && kernel_release(set->release, sizeof(set->release)) != 0)
		return kext_fail(err, errno, "uname: %s", strerror(errno));
	if (kext_kernel_osreldate(k, &set->osreldate, err) != 0 ||
	    kext_kernel_arch(k, set->arch, sizeof(set->arch), err) != 0 ||
	    kext_kernel_list(k, &files, &n, err) != 0)
		return -1;
	if ((set->items = calloc(n + 1, sizeof(*set->items))) == NULL) {
		kext_kld_files_free(files, n);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	loaded_records_read(k, &records);
	for (size_t i = 0; i < n; i++) {
		struct kext_loaded_entry *l = &set->items[set->n++];

		if (copy_file(l, &files[i]) != 0)
			goto nomem;
		if (strcmp(l->file_name, "kernel") == 0 && i == 0) {
			if (set->os == KMOD_OS_LINUX)
				describe_linux_kernel(l, set->release);
			else
				describe_kernel(l, set->osreldate);
			continue;
		}
		loaded_describe(l, &records, set->os);
		if (l->pathname != NULL && kmod_open(l->pathname, &l->kf, NULL) != 0)
			l->kf = NULL;
	}
	kext_kld_files_free(files, n);
	files = NULL;
	loaded_records_free(&records);
	if (build_index(set) != 0)
		goto nomem;
	for (size_t i = 0; i < set->n; i++)
		if (link_dependencies(set, &set->items[i]) != 0)
			goto nomem;
	count_dependents(set);
	return 0;
nomem:
	kext_kld_files_free(files, files != NULL ? n : 0);
	loaded_records_free(&records);
	kext_loaded_free(set);
	return kext_fail(err, ENOMEM, "out of memory");
}

void
kext_loaded_free(struct kext_loaded_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		struct kext_loaded_entry *l = &set->items[i];

		free(l->file_name);
		free(l->pathname);
		for (size_t m = 0; m < l->num_modules; m++)
			free(l->modules[m]);
		free(l->modules);
		free(l->bundle_path);
		free(l->identifier);
		free(l->version);
		if (l->kf != NULL)
			kmod_free(l->kf);
		free(l->linked);
		for (size_t v = 0; v < l->num_versions; v++)
			free(l->versions[v].name);
		free(l->versions);
	}
	index_free(set->index);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

const struct kext_loaded_entry *
kext_loaded_by_identifier(const struct kext_loaded_set *set, const char *identifier)
{
	return kext_map_get(set->index->identifiers, identifier);
}

const struct kext_loaded_entry *
kext_loaded_by_fileid(const struct kext_loaded_set *set, int fileid)
{
	size_t at = place_of(set, fileid);

	return at < set->n ? &set->items[at] : NULL;
}

size_t
kext_loaded_dependents(const struct kext_loaded_set *set, int fileid,
    const struct kext_loaded_entry **out, size_t max)
{
	size_t found = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct kext_loaded_entry *l = &set->items[i];

		for (size_t j = 0; j < l->num_linked; j++) {
			if (l->linked[j] != fileid)
				continue;
			if (found < max)
				out[found] = l;
			found++;
			break;
		}
	}
	return found;
}

/*
 * The kernel linker keeps one file per name: kldload(2) answers EEXIST for
 * a second "nullfs.ko" from any directory, and kldfind(2) matches "X" to X
 * or X.ko (linker_find_file_by_name in sys/kern/kern_linker.c).
 */
const struct kext_loaded_entry *
kext_loaded_file_named(const struct kext_loaded_set *set, const char *path)
{
	const char *base = strrchr(path, '/');
	const struct kext_loaded_entry *same, *with_ko;
	char *ko;

	base = base != NULL ? base + 1 : path;
	same = kext_map_get(set->index->file_names, base);
	if ((ko = kext_strdupf("%s.ko", base)) == NULL)
		return same;
	with_ko = kext_map_get(set->index->file_names, ko);
	free(ko);
	/* the first in file id order, as a scan finds it */
	if (with_ko != NULL && (same == NULL || with_ko < same))
		same = with_ko;
	return same;
}

const struct kext_loaded_entry *
kext_loaded_providing(const struct kext_loaded_set *set, const char *name)
{
	const struct kext_loaded_entry *owner = kext_map_get(set->index->modules, name);
	const struct provider *p = kext_map_get(set->index->versions, name);

	/* the kernel is not a loaded file here */
	while (p != NULL && p->entry == &set->items[0])
		p = p->next;
	if (p != NULL && (owner == NULL || p->entry < owner))
		owner = p->entry;
	return owner;
}

/*
 * Names only: kldxref reads the versions of a static kernel unreliably (10.1's
 * hints say g_part 852157148 "in kernel" where modules ask for 0).
 */
int
kext_loaded_kernel_provides(const struct kext_loaded_set *set, const struct kmod_depend *d,
    bool *registered)
{
	const struct kext_loaded_entry *k = set->n > 0 ? &set->items[0] : NULL;
	bool versioned = false;

	*registered = false;
	if (k == NULL)
		return -1;
	for (size_t m = 0; m < k->num_modules; m++)
		if (strcmp(k->modules[m], d->name) == 0)
			*registered = true;
	for (size_t v = 0; v < k->num_versions; v++) {
		if (strcmp(k->versions[v].name, d->name) != 0)
			continue;
		*registered = versioned = true;
		if (kext_fbsd_version_accepts(d->min, d->pref, d->max, k->versions[v].version))
			return 1;
	}
	/*
	 * A version outside the range is left to the kernel: the kernel records
	 * of a linker.hints are not always its real versions (10.1's kldxref
	 * wrote 852157148 for g_part, whose modules ask for version 0 and load).
	 */
	if (versioned)
		return -1;
	return k->versions_known ? 0 : -1;
}
