/*
 * JSON rendering of parsed modules: an array of file objects with their
 * records. Output is valid JSON whatever bytes the module's strings hold:
 * valid UTF-8 passes through, other bytes become \u00XX escapes.
 */
#include <stdint.h>
#include <string.h>

#include "kext/kmod.h"

/* Length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)	/* also stops at the NUL */
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void
kmod_json_string(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");
	size_t n;

	fputc('"', fp);
	while (*s != '\0') {
		switch (*s) {
		case '"': fputs("\\\"", fp); s++; continue;
		case '\\': fputs("\\\\", fp); s++; continue;
		case '\n': fputs("\\n", fp); s++; continue;
		case '\t': fputs("\\t", fp); s++; continue;
		case '\r': fputs("\\r", fp); s++; continue;
		default: break;
		}
		n = *s < 0x20 || *s == 0x7f ? 0 : utf8_len(s);
		if (n == 0) {
			fprintf(fp, "\\u%04x", *s);
			s++;
		} else {
			fwrite(s, 1, n, fp);
			s += n;
		}
	}
	fputc('"', fp);
}

static void
put_pnp(FILE *fp, const struct kmod_pnp *p)
{
	size_t e, f;

	fputs("\"bus\": ", fp);
	kmod_json_string(fp, p->bus);
	fputs(", \"descr\": ", fp);
	kmod_json_string(fp, p->descr);
	fputs(", \"format\": ", fp);
	kmod_json_string(fp, p->format);
	fprintf(fp, ", \"entry_len\": %d, \"num_entry\": %d,\n         \"fields\": [",
	    p->entry_len, p->num_entry);
	for (f = 0; f < p->num_fields; f++) {
		fprintf(fp, "%s{\"kind\": \"%c\", \"name\": ", f ? ", " : "", p->fields[f].kind);
		kmod_json_string(fp, p->fields[f].name);
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
				kmod_json_string(fp, v->s);
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
		kmod_json_string(fp, r->u.depend.name);
		fprintf(fp, ", \"min\": %d, \"pref\": %d, \"max\": %d", r->u.depend.min,
		    r->u.depend.pref, r->u.depend.max);
		break;
	case KMOD_MODULE:
		fputs("\"cval\": ", fp);
		kmod_json_string(fp, r->u.module.cval);
		fputs(", \"name\": ", fp);
		kmod_json_string(fp, r->u.module.name);
		break;
	case KMOD_VERSION:
		fputs("\"name\": ", fp);
		kmod_json_string(fp, r->u.version.name);
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
		kmod_json_string(fp, v[i]);
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
			kmod_json_string(fp, values[i]);
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
	kmod_json_string(fp, kf->path);
	fprintf(fp, ",\n    \"os\": \"%s\",\n    \"arch\": ", kmod_os_name(kf->os));
	kmod_json_string(fp, kf->arch);
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
		kmod_json_string(fp, kf->notes[i]);
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
