/*
 * kextfind's "-report [-no-header] column...": one tab-separated row per
 * match. A column is a predicate's name: -b / -bundle-id gives the
 * identifier, -B the bundle name, -print the path, -V / -version the
 * version, -p / -property NAME the property's value, -module the modules the
 * executable registers, -arch its architecture, -R / -root... and the other
 * yes/no predicates "yes" or "no"; those that take an argument (-pe NAME,
 * -ax LIST, -dsym / -rsym SYMBOL) take it in the column too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "find_internal.h"

struct column {
	const char *title;
	enum find_pred pred;
	const char *arg;
};

struct kext_find_report {
	struct column *cols;
	size_t n;
	bool header, kernel;
};

int
kext_find_parse_report(int argc, char **argv, int *i, struct kext_find_report **out,
    kext_error *err)
{
	struct kext_find_report *r = calloc(1, sizeof(*r));
	int k = *i + 1;	/* past "-report" */

	*out = NULL;
	if (r == NULL || (r->cols = calloc((size_t)argc + 1, sizeof(*r->cols))) == NULL) {
		free(r);
		return kext_fail(err, ENOMEM, "out of memory");
	}
	r->header = true;
	if (k < argc && strcmp(argv[k], "-no-header") == 0) {
		r->header = false;
		k++;
	}
	for (; k < argc; k++) {
		const struct find_pred_info *info = find_pred_lookup(argv[k]);
		struct column *c = &r->cols[r->n];

		c->title = argv[k];
		if (strcmp(argv[k], "-print") == 0) {
			c->pred = P_PRINT_PATH;
		} else if (info == NULL || info->pred == P_UNSUPPORTED ||
		    info->pred == P_MATCH_PROPERTY || info->pred == P_COMPATIBLE) {
			kext_find_report_free(r);
			return kext_fail(err, EINVAL, "-report: %s is not a column this kextfind "
			    "reports", argv[k]);
		} else {
			c->pred = info->pred;
			/* a column that names something takes the name; values are what it shows */
			if (info->pred == P_PROPERTY || info->pred == P_PROPERTY_EXISTS ||
			    info->pred == P_MATCH_PROPERTY_EXISTS || info->pred == P_ARCH_EXACT ||
			    info->pred == P_DEFINES_SYMBOL || info->pred == P_REFERENCES_SYMBOL) {
				if (k + 1 >= argc) {
					kext_find_report_free(r);
					return kext_fail(err, EINVAL, "-report: %s needs an argument",
					    argv[k]);
				}
				c->arg = argv[++k];
			}
			if (info->kernel)
				r->kernel = true;
		}
		r->n++;
	}
	if (r->n == 0) {
		kext_find_report_free(r);
		return kext_fail(err, EINVAL, "-report needs at least one column");
	}
	*i = k;
	*out = r;
	return 0;
}

bool
kext_find_report_header(const struct kext_find_report *r)
{
	return r->header;
}

size_t
kext_find_report_columns(const struct kext_find_report *r)
{
	return r->n;
}

const char *
kext_find_report_title(const struct kext_find_report *r, size_t col)
{
	return r->cols[col].title;
}

bool
kext_find_report_needs_kernel(const struct kext_find_report *r)
{
	return r->kernel;
}

static char *
modules_text(struct kext_find_item *it)
{
	const struct kmod_file *kf = kext_find_kmod(it);
	size_t len = 1;
	char *out;

	if (kf == NULL)
		return strdup("");
	if (kf->os == KMOD_OS_LINUX)
		return strdup(kf->lx.name != NULL ? kf->lx.name : "");
	for (size_t i = 0; i < kf->num_records; i++)
		if (kf->records[i].type == KMOD_MODULE)
			len += strlen(kf->records[i].u.module.name) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	for (size_t i = 0; i < kf->num_records; i++) {
		if (kf->records[i].type != KMOD_MODULE)
			continue;
		if (out[0] != '\0')
			strcat(out, ",");
		strcat(out, kf->records[i].u.module.name);
	}
	return out;
}

char *
kext_find_report_value(const struct kext_find_report *r, size_t col,
    struct kext_find_item *it)
{
	const struct column *c = &r->cols[col];
	const struct kext_bundle *b = it->bundle;
	const char *s;
	char *v;

	switch (c->pred) {
	case P_PRINT_PATH: return strdup(kext_bundle_path(b));
	case P_BUNDLE_ID:
		return strdup((s = kext_bundle_identifier(b)) != NULL ? s : "");
	case P_BUNDLE_NAME:
		s = strrchr(kext_bundle_path(b), '/');
		return strdup(s != NULL ? s + 1 : kext_bundle_path(b));
	case P_VERSION:
		return strdup((s = kext_bundle_version_string(b)) != NULL ? s : "");
	case P_PROPERTY:
		v = kext_find_property_text(it, c->arg);
		return v != NULL ? v : strdup("");
	case P_MODULE: return modules_text(it);
	case P_ARCH: {
		const struct kmod_file *kf = kext_find_kmod(it);

		return strdup(kf != NULL && kf->arch != NULL ? kf->arch : "");
	}
	default: {
		struct find_pred_args a = {.arg = {c->arg, NULL}};

		return strdup(find_pred_eval(c->pred, &a, it) ? "yes" : "no");
	}
	}
}

void
kext_find_report_free(struct kext_find_report *r)
{
	if (r == NULL)
		return;
	free(r->cols);
	free(r);
}
