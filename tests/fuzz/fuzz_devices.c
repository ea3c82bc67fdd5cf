/* libFuzzer harness: device listings (devinfo -v, modalias lines) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "kext/match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kext_devices d;
	kext_error err;
	char buf[64];

	if (kext_devices_parse((const char *)data, size, "fuzz", &d, &err) != 0)
		return 0;
	/* Every value lookup walks the pnpinfo the way matching does. */
	for (size_t i = 0; i < d.n; i++) {
		(void)kext_device_needs_driver(&d.items[i]);
		(void)kext_device_value(&d.items[i], "vendor", buf, sizeof(buf));
		(void)kext_device_value(&d.items[i], "_HID", buf, sizeof(buf));
	}
	kext_devices_free(&d);
	return 0;
}
