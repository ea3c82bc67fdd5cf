/*
 * Validating a bundle its writer has just made (ko2kext), from what the
 * writer holds rather than by reading the files back: the Info.plist bytes
 * it wrote go through the parser kext_bundle_open uses, and the same checks
 * run on the result. What kext_bundle_open learns from the file system it
 * learns here from the writer's description (kext/bundle.h): the layout,
 * where Info.plist is, that the executable is a regular file inside the
 * bundle, its first bytes, that there are no plug-ins. The validation thus
 * gives the same verdict and messages, without a syscall per check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"
#include "kext/diag.h"
#include "kext/fs.h"
#include "kext/text.h"

int
kext_bundle_open_written(const struct kext_bundle_written *w, struct kext_bundle **out,
    kext_error *err)
{
	struct kext_bundle *b;

	*out = NULL;
	if (w->path == NULL || !kext_has_kext_extension(w->path))
		return kext_fail(err, EINVAL, "%s: not a kext bundle (the name must end in "
		    "\".kext\")", w->path != NULL ? w->path : "(no path)");
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return kext_fail(err, ENOMEM, "%s: out of memory", w->path);
	b->refs = 1;
	b->exec_fd = b->support_fd = -1;
	b->layout = KEXT_LAYOUT_MODERN;
	b->support_plain = true;	/* the writer made Contents: a folder, no link */
	b->path = strdup(w->path);
	b->support_dir = kext_strdupf("%s/Contents", w->path);
	b->plist_path = kext_strdupf("%s/Contents/Info.plist", w->path);
	b->diags = kext_diags_new(w->path);
	if (b->path == NULL || b->support_dir == NULL || b->plist_path == NULL ||
	    b->diags == NULL) {
		kext_fail(err, ENOMEM, "%s: out of memory", w->path);
		goto fail;
	}
	b->plugin = kext_path_is_plugin(b->path);
	b->read_time_ns = kext_now_ns();
	if (w->info_len > KEXT_INFO_PLIST_MAX) {
		kext_fail(err, EFBIG, "%s: %zu bytes, more than the %u allowed", b->plist_path,
		    w->info_len, KEXT_INFO_PLIST_MAX);
		goto fail;
	}
	if (kext_bundle_parse_info(b, w->info_xml, w->info_len, err) != 0)
		goto fail;
	b->written = w;
	kext_bundle_validate(b);
	b->written = NULL;
	*out = b;
	return 0;
fail:
	kext_bundle_release(b);
	return -1;
}
