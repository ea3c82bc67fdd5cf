/* libFuzzer harness: the linker.hints reader on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "kext/hints.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hints_file *hf;
	kext_error err;

	if (hints_parse(data, size, "linker.hints", &hf, &err) != 0)
		return 0;
	/* Look up every record's name, so the index is exercised too. */
	for (size_t i = 0; i < hf->num_records; i++)
		if (hf->records[i].name != NULL)
			(void)hints_lookup(hf, hf->records[i].name, 0, hf->records[i].version,
			    hf->records[i].version);
	hints_free(hf);
	return 0;
}
