/* Collecting kext diagnostics and laying them out like kextutil -t. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kext/diag.h"
#include "kext/text.h"

struct kext_diags {
	char *subject;
	struct kext_diag *items;
	size_t count, cap, dropped;
};

static const char *const category_names[KEXT_DIAG_NCATEGORIES] = {
	[KEXT_DIAG_VALIDATION] = "Validation Failures",
	[KEXT_DIAG_AUTHENTICATION] = "Authentication Failures",
	[KEXT_DIAG_DEPENDENCY] = "Dependency Resolution Failures",
	[KEXT_DIAG_WARNING] = "Warnings",
};

const char *
kext_diag_category_name(enum kext_diag_category cat)
{
	if ((unsigned)cat >= KEXT_DIAG_NCATEGORIES)
		return "Unknown";
	return category_names[cat];
}

struct kext_diags *
kext_diags_new(const char *subject)
{
	struct kext_diags *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->subject = strdup(subject != NULL ? subject : "");
	if (d->subject == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
kext_diags_free(struct kext_diags *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->count; i++) {
		free((char *)d->items[i].message);
		free((char *)d->items[i].value);
	}
	free(d->items);
	free(d->subject);
	free(d);
}

const char *
kext_diags_subject(const struct kext_diags *d)
{
	return d != NULL ? d->subject : "";
}

static int
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
kext_diags_contains(const struct kext_diags *d, enum kext_diag_category cat,
    const char *message, const char *value)
{
	size_t i;

	if (d == NULL || message == NULL)
		return false;
	for (i = 0; i < d->count; i++) {
		const struct kext_diag *x = &d->items[i];

		if (x->category == cat && strcmp(x->message, message) == 0 &&
		    (value == NULL || same_text(x->value, value)))
			return true;
	}
	return false;
}

static bool
contains_exactly(const struct kext_diags *d, enum kext_diag_category cat,
    const char *message, const char *value)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		const struct kext_diag *x = &d->items[i];

		if (x->category == cat && strcmp(x->message, message) == 0 &&
		    same_text(x->value, value))
			return true;
	}
	return false;
}

int
kext_diags_add(struct kext_diags *d, enum kext_diag_category cat,
    const char *message, const char *value_fmt, ...)
{
	struct kext_diag *x;
	char *value = NULL, *msg;
	va_list ap;

	if (d == NULL || message == NULL || (unsigned)cat >= KEXT_DIAG_NCATEGORIES)
		return -1;
	if (value_fmt != NULL) {
		va_start(ap, value_fmt);
		value = kext_vstrdupf(value_fmt, ap);
		va_end(ap);
		if (value == NULL) {
			d->dropped++;
			return -1;
		}
	}
	if (contains_exactly(d, cat, message, value)) {
		free(value);
		return 0;
	}
	if (d->count == KEXT_DIAG_MAX) {
		free(value);
		d->dropped++;
		return -1;
	}
	if (d->count == d->cap) {
		size_t cap = d->cap != 0 ? d->cap * 2 : 8;

		x = reallocarray(d->items, cap, sizeof(*x));
		if (x == NULL) {
			free(value);
			d->dropped++;
			return -1;
		}
		d->items = x;
		d->cap = cap;
	}
	msg = strdup(message);
	if (msg == NULL) {
		free(value);
		d->dropped++;
		return -1;
	}
	x = &d->items[d->count++];
	x->category = cat;
	x->message = msg;
	x->value = value;
	return 0;
}

void
kext_diags_clear(struct kext_diags *d, unsigned mask)
{
	size_t i, kept = 0;

	if (d == NULL)
		return;
	for (i = 0; i < d->count; i++) {
		if (mask & KEXT_DIAG_MASK(d->items[i].category)) {
			free((char *)d->items[i].message);
			free((char *)d->items[i].value);
		} else {
			d->items[kept++] = d->items[i];
		}
	}
	d->count = kept;
}

size_t
kext_diags_count(const struct kext_diags *d, unsigned mask)
{
	size_t i, n = 0;

	if (d == NULL)
		return 0;
	for (i = 0; i < d->count; i++) {
		if (mask & KEXT_DIAG_MASK(d->items[i].category))
			n++;
	}
	return n;
}

size_t
kext_diags_dropped(const struct kext_diags *d)
{
	return d != NULL ? d->dropped : 0;
}

bool
kext_diags_has_failures(const struct kext_diags *d)
{
	return kext_diags_count(d, KEXT_DIAG_FAILURES) != 0;
}

const struct kext_diag *
kext_diags_at(const struct kext_diags *d, size_t i)
{
	if (d == NULL || i >= d->count)
		return NULL;
	return &d->items[i];
}

/* Has the message already been printed for this category (an earlier item)? */
static bool
message_seen(const struct kext_diags *d, size_t upto, enum kext_diag_category cat,
    const char *message)
{
	size_t i;

	for (i = 0; i < upto; i++) {
		if (d->items[i].category == cat &&
		    strcmp(d->items[i].message, message) == 0)
			return true;
	}
	return false;
}

static void
format_category(FILE *fp, const struct kext_diags *d, enum kext_diag_category cat)
{
	size_t i, j;

	fprintf(fp, "%s: \n", kext_diag_category_name(cat));
	for (i = 0; i < d->count; i++) {
		const struct kext_diag *x = &d->items[i];

		if (x->category != cat || message_seen(d, i, cat, x->message))
			continue;
		/* Plain messages print alone; list messages gather their values. */
		if (x->value == NULL) {
			fprintf(fp, "    %s\n", x->message);
			continue;
		}
		fprintf(fp, "    %s: \n", x->message);
		for (j = i; j < d->count; j++) {
			const struct kext_diag *y = &d->items[j];

			if (y->category == cat && y->value != NULL &&
			    strcmp(y->message, x->message) == 0)
				fprintf(fp, "        %s\n", y->value);
		}
	}
}

char *
kext_diags_format(const struct kext_diags *d, unsigned mask, bool header)
{
	char *text = NULL;
	size_t len = 0;
	bool first = true;
	FILE *fp;
	int cat;

	fp = open_memstream(&text, &len);
	if (fp == NULL)
		return NULL;
	if (d != NULL && kext_diags_count(d, mask) != 0) {
		if (header)
			fprintf(fp, "Diagnostics for %s:\n", d->subject);
		for (cat = 0; cat < KEXT_DIAG_NCATEGORIES; cat++) {
			if (!(mask & KEXT_DIAG_MASK(cat)) ||
			    kext_diags_count(d, KEXT_DIAG_MASK(cat)) == 0)
				continue;
			if (!first)
				fputc('\n', fp);
			first = false;
			format_category(fp, d, (enum kext_diag_category)cat);
		}
		if (d->dropped != 0)
			fprintf(fp, "\n(%zu more diagnostics not kept)\n", d->dropped);
	}
	if (ferror(fp)) {
		fclose(fp);
		free(text);
		return NULL;
	}
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

char *
kext_diag_format_line(const struct kext_diags *d, const struct kext_diag *diag)
{
	if (diag == NULL)
		return NULL;
	if (diag->value != NULL)
		return kext_strdupf("%s: %s: %s: %s", kext_diags_subject(d),
		    kext_diag_category_name(diag->category), diag->message,
		    diag->value);
	return kext_strdupf("%s: %s: %s", kext_diags_subject(d),
	    kext_diag_category_name(diag->category), diag->message);
}
