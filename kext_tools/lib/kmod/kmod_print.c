/* Human-readable listing of a module's records, one line each (kldxref -d style). */
#include <string.h>

#include "kext/kmod.h"

static int
print_record(FILE *fp, const struct kmod_record *r)
{
	switch (r->type) {
	case KMOD_DEPEND:
		return fprintf(fp, "  depends on %s %d %d %d\n", r->u.depend.name,
		    r->u.depend.min, r->u.depend.pref, r->u.depend.max);
	case KMOD_MODULE:
		if (r->u.module.name != NULL && strcmp(r->u.module.name, r->u.module.cval) != 0)
			return fprintf(fp, "  module %s (registered as %s)\n",
			    r->u.module.cval, r->u.module.name);
		return fprintf(fp, "  module %s\n", r->u.module.cval);
	case KMOD_VERSION:
		return fprintf(fp, "  interface %s.%d\n", r->u.version.name,
		    r->u.version.version);
	case KMOD_PNP_INFO:
		return fprintf(fp, "  pnp %s %s %d entries\n", r->u.pnp.bus,
		    r->u.pnp.descr, r->u.pnp.num_entry);
	}
	return 0;
}

/* A Linux module's .modinfo, the way modinfo(8) names the fields. */
static void
print_linux(FILE *fp, const struct kmod_linux *lx)
{
	fprintf(fp, "  linux module %s\n", lx->name);
	if (lx->version != NULL)
		fprintf(fp, "  version %s\n", lx->version);
	fprintf(fp, "  vermagic %s\n", lx->vermagic ? lx->vermagic : "(none)");
	for (size_t i = 0; i < lx->num_depends; i++)
		fprintf(fp, "  depends on %s\n", lx->depends[i]);
	for (size_t i = 0; i < lx->num_aliases; i++)
		fprintf(fp, "  alias %s\n", lx->aliases[i]);
}

int
kmod_print(FILE *fp, const struct kmod_file *kf)
{
	size_t i;

	fprintf(fp, "%s:\n", kf->path);
	if (kf->os == KMOD_OS_LINUX)
		print_linux(fp, &kf->lx);
	else if (!kf->has_metadata)
		fprintf(fp, "  no module metadata (no set_modmetadata_set)\n");
	for (i = 0; i < kf->num_records; i++)
		print_record(fp, &kf->records[i]);
	for (i = 0; i < kf->num_notes; i++)
		fprintf(fp, "  note: %s\n", kf->notes[i]);
	return ferror(fp) ? -1 : 0;
}
