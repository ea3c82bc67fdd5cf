/*
 * JSON rendering of parsed modules: an array of file objects with their
 * records, strings written by kext_json_string.
 */
#include <stdint.h>
#include <string.h>

#include "kext/json.h"
#include "kext/kmod.h"

static void
put_pnp(FILE *fp, const struct kmod_pnp *p)
{
	size_t e, f;

	fputs("\"bus\": ", fp);
	kext_json_string(fp, p->bus);
	fputs(", \"descr\": ", fp);
	kext_json_string(fp, p->descr);
	fputs(", \"format\": ", fp);
	kext_json_string(fp, p->format);
	fprintf(fp, ", \"entry_len\": %d, \"num_entry\": %d,\n         \"fields\": [",
	    p->entry_len, p->num_entry);
	for (f = 0; f < p->num_fields; f++) {
		fprintf(fp, "%s{\"kind\": \"%c\", \"name\": ", f ? ", " : "", p->fields[f].kind);
		kext_json_string(fp, p->fields[f].name);
		fputc('}', fp);
	}
	fputs("],\n         \"entries\": [", fp);
	for (e = 0; p->values != NULL && e < (size_t)p->num_entry; e++) {
		fputs(e ? ",\n           [" : "\n           [", fp);
		for (f = 0; f < p->num_fields; f++) {
			const struct kmod_pnp_value *v = &p->values[e * p->num_fields + f];
			char k = p->fields[f].kind;

			if (f)
				fputs(", ", fp);
			if (k == 'T')
				fputs("null", fp);
			else if (k == 'D' || k == 'Z')
				kext_json_string(fp, v->s);
			else
				fprintf(fp, "%d", (int)v->i);
		}
		fputc(']', fp);
	}
	fputs("]", fp);
}

static void
put_record(FILE *fp, const struct kmod_record *r)
{
	fprintf(fp, "{\"type\": \"%s\", ", kmod_record_type_name(r->type));
	switch (r->type) {
	case KMOD_DEPEND:
		fputs("\"name\": ", fp);
		kext_json_string(fp, r->u.depend.name);
		fprintf(fp, ", \"min\": %d, \"pref\": %d, \"max\": %d", r->u.depend.min,
		    r->u.depend.pref, r->u.depend.max);
		break;
	case KMOD_MODULE:
		fputs("\"cval\": ", fp);
		kext_json_string(fp, r->u.module.cval);
		fputs(", \"name\": ", fp);
		kext_json_string(fp, r->u.module.name);
		break;
	case KMOD_VERSION:
		fputs("\"name\": ", fp);
		kext_json_string(fp, r->u.version.name);
		fprintf(fp, ", \"version\": %d", r->u.version.version);
		break;
	case KMOD_PNP_INFO:
		put_pnp(fp, &r->u.pnp);
		break;
	}
	fputc('}', fp);
}

static void
put_strings(FILE *fp, char *const *v, size_t n)
{
	fputc('[', fp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", fp);
		kext_json_string(fp, v[i]);
	}
	fputc(']', fp);
}

/* A Linux module's .modinfo fields; null where the module has none. */
static void
put_linux(FILE *fp, const struct kmod_linux *lx)
{
	const char *const keys[] = {"name", "version", "vermagic", "srcversion", "license",
	    "description"};
	const char *const values[] = {lx->name, lx->version, lx->vermagic, lx->srcversion,
	    lx->license, lx->description};

	fputs(",\n    \"linux\": {", fp);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		fprintf(fp, "%s\"%s\": ", i ? ", " : "", keys[i]);
		if (values[i] != NULL)
			kext_json_string(fp, values[i]);
		else
			fputs("null", fp);
	}
	fputs(", \"depends\": ", fp);
	put_strings(fp, lx->depends, lx->num_depends);
	fputs(", \"aliases\": ", fp);
	put_strings(fp, lx->aliases, lx->num_aliases);
	fputc('}', fp);
}

static void
put_file(FILE *fp, const struct kmod_file *kf)
{
	size_t i;

	fputs("  {\n    \"path\": ", fp);
	kext_json_string(fp, kf->path);
	fprintf(fp, ",\n    \"os\": \"%s\",\n    \"arch\": ", kmod_os_name(kf->os));
	kext_json_string(fp, kf->arch);
	fprintf(fp, ",\n    \"elf_class\": %d,\n    \"byte_order\": \"%s\",\n"
	    "    \"machine\": %d,\n    \"type\": \"%s\",\n    \"osabi\": %d,\n"
	    "    \"has_metadata\": %s,\n    \"records\": [", kf->elf_class,
	    kf->big_endian ? "big" : "little", kf->e_machine,
	    kf->e_type == 1 ? "ET_REL" : kf->e_type == 3 ? "ET_DYN" : "other",
	    kf->osabi, kf->has_metadata ? "true" : "false");
	for (i = 0; i < kf->num_records; i++) {
		fputs(i ? ",\n      " : "\n      ", fp);
		put_record(fp, &kf->records[i]);
	}
	fputs(kf->num_records ? "\n    ],\n    \"notes\": [" : "],\n    \"notes\": [", fp);
	for (i = 0; i < kf->num_notes; i++) {
		if (i)
			fputs(", ", fp);
		kext_json_string(fp, kf->notes[i]);
	}
	fputc(']', fp);
	if (kf->os == KMOD_OS_LINUX)
		put_linux(fp, &kf->lx);
	fputs("\n  }", fp);
}

int
kmod_print_json(FILE *fp, const struct kmod_file *const *files, size_t n)
{
	size_t i;

	fputc('[', fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", fp);
		put_file(fp, files[i]);
	}
	fputs(n ? "\n]\n" : "]\n", fp);
	return ferror(fp) ? -1 : 0;
}
