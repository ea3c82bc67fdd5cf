/*
 * The kernel's symbols: its ELF file, or a Linux kernel's System.map or
 * Module.symvers (kext/kmod_symbols.h). Both text forms are read as kmod's
 * depmod reads them (tools/depmod.c: depmod_load_system_map() keeps the
 * __ksymtab_NAME lines of a System.map, depmod_load_symvers() the "vmlinux"
 * rows of a Module.symvers), so the two tools agree on what vmlinux exports.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kext/error.h"
#include "kext/file_read.h"
#include "kext/kmod.h"
#include "kext/kmod_symbols.h"
#include "kmod_internal.h"

#define MAX_LINE		4096
/* What Debian's linux-image packages ship as /boot/System.map-VERSION. */
#define DEBIAN_PLACEHOLDER	"The real System.map is in"

enum text_form { FORM_UNKNOWN, FORM_SYSTEM_MAP, FORM_SYMVERS };

struct reader {
	const char *path;
	enum text_form form;
	size_t line, cap;
	struct kmod_symbols *out;
	kext_error *err;
};

static bool
all_hex(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return false;
	return true;
}

/* Splits line (n bytes, no newline) at sep into at most max fields; the count. */
static size_t
split(const char *line, size_t n, char sep, const char **f, size_t *len, size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && line[i] != sep)
			continue;
		if (k < max) {
			f[k] = line + start;
			len[k] = i - start;
		}
		k++;
		start = i + 1;
	}
	return k;
}

static int
add(struct reader *r, const char *name, size_t n)
{
	char buf[MAX_LINE];

	memcpy(buf, name, n);
	buf[n] = '\0';
	if (kmod_symlist_push(&r->out->defined, &r->cap, buf) != 0)
		return kext_fail(r->err, ENOMEM, "%s: out of memory", r->path);
	return 0;
}

/* "ffffffff81000000 T _text": address, one-letter type, name. */
static int
system_map_line(struct reader *r, const char *line, size_t n)
{
	const char *f[3], *export;
	size_t len[3], k = split(line, n, ' ', f, len, 3);
	char text[MAX_LINE];

	memcpy(text, line, n);	/* text_line: n < MAX_LINE, no NUL inside */
	text[n] = '\0';
	if (k != 3 || !all_hex(f[0], len[0]) || len[1] != 1 || len[2] == 0) {
		if (strstr(text, DEBIAN_PLACEHOLDER) != NULL)
			return kext_fail(r->err, ENOEXEC, "%s: line %zu: Debian's placeholder "
			    "System.map (\"%.*s\"): give the kernel's Module.symvers (Debian's "
			    "linux-headers-VERSION package) or the System.map of its -dbg package",
			    r->path, r->line, (int)n, line);
		return kext_fail(r->err, ENOEXEC, "%s: line %zu: expected a System.map line "
		    "(\"address type name\"), found \"%.*s\"", r->path, r->line,
		    (int)(n < 80 ? n : 80), line);
	}
	if ((export = kmod_linux_export_name(text + (f[2] - line))) == NULL)
		return 0;
	return add(r, export, strlen(export));
}

/* "0x4c9d28b0<TAB>phys_base<TAB>vmlinux<TAB>EXPORT_SYMBOL<TAB>": four or five fields. */
static int
symvers_line(struct reader *r, const char *line, size_t n)
{
	const char *f[5];
	size_t len[5], k = split(line, n, '\t', f, len, 5);

	if (k < 4 || k > 5 || len[0] < 3 || f[0][0] != '0' || f[0][1] != 'x' ||
	    !all_hex(f[0] + 2, len[0] - 2) || len[1] == 0 || len[2] == 0)
		return kext_fail(r->err, ENOEXEC, "%s: line %zu: expected a Module.symvers line "
		    "(\"crc<TAB>symbol<TAB>module<TAB>export type[<TAB>namespace]\"), found "
		    "\"%.*s\"", r->path, r->line, (int)(n < 80 ? n : 80), line);
	if (len[2] != 7 || memcmp(f[2], "vmlinux", 7) != 0)
		return 0;	/* a module's export: read from that module's own file */
	return add(r, f[1], len[1]);
}

static int
text_line(struct reader *r, const char *line, size_t n)
{
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (n == 0)
		return 0;
	if (n >= MAX_LINE)
		return kext_fail(r->err, ENOEXEC, "%s: line %zu is %zu bytes long (at most %d)",
		    r->path, r->line, n, MAX_LINE - 1);
	if (memchr(line, '\0', n) != NULL)
		return kext_fail(r->err, ENOEXEC, "%s: line %zu holds a NUL byte: not a "
		    "System.map or Module.symvers", r->path, r->line);
	if (r->form == FORM_UNKNOWN)
		r->form = memchr(line, '\t', n) != NULL ? FORM_SYMVERS : FORM_SYSTEM_MAP;
	return r->form == FORM_SYMVERS ? symvers_line(r, line, n) : system_map_line(r, line, n);
}

static int
parse_text(const char *buf, size_t size, const char *path, struct kmod_symbols *out,
    kext_error *err)
{
	struct reader r = {path, FORM_UNKNOWN, 0, 0, out, err};
	const char *p = buf, *end = buf + size;

	out->os = KMOD_OS_LINUX;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

		r.line++;
		if (text_line(&r, p, n) != 0)
			return -1;
		p += n + 1;
	}
	kmod_symlist_sort(&out->defined);
	if (out->defined.n == 0)
		return kext_fail(err, ENOEXEC, "%s: no symbol the kernel exports (%s): not a "
		    "kernel's System.map or Module.symvers", path, r.form == FORM_SYMVERS ?
		    "no row of module vmlinux" : "no __ksymtab_ symbol");
	return 0;
}

int
kmod_kernel_symbols_parse(const void *buf, size_t len, const char *name,
    struct kmod_symbols *out, kext_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (len >= 4 && memcmp(buf, "\177ELF", 4) == 0)
		return kmod_symbols_parse(buf, len, name, out, err);
	if (len == 0)
		return kext_fail(err, ENOEXEC, "%s: empty: not a kernel, System.map or "
		    "Module.symvers", name);
	if ((rc = parse_text(buf, len, name, out, err)) != 0)
		kmod_symbols_free(out);
	return rc;
}

int
kmod_kernel_symbols_read(const char *path, struct kmod_symbols *out, kext_error *err)
{
	const void *map;
	size_t size;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kext_file_map(path, KMOD_MAX_FILE_SIZE, "larger than a kernel's symbols can be",
	    &map, &size, err) != 0)
		return -1;
	rc = kmod_kernel_symbols_parse(map != NULL ? map : "", size, path, out, err);
	kext_file_unmap(map, size);
	return rc;
}
