/*
 * Device sources: `devinfo -v` listings (tree by indentation, "unknown" for
 * a device without a driver, pnpinfo and location split, (disabled)),
 * modalias lines turned into FreeBSD-style pnpinfo, bad lines named with
 * their line number, and a fake Linux sysfs tree.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kext/match.h"
#include "test_bundle_fixture.h"

/* The shape print_dev() in FreeBSD's usr.sbin/devinfo/devinfo.c gives. */
static const char devinfo[] =
    "nexus0\n"
    "  acpi0\n"
    "    pcib0 pnpinfo _HID=PNP0A03 _UID=0 at handle=\\_SB_.PCI0\n"
    "      pci0\n"
    "        em0 pnpinfo vendor=0x8086 device=0x100e subvendor=0x8086 subdevice=0x001e "
    "class=0x020000 at slot=3 function=0 dbsf=pci0:0:3:0\n"
    "        unknown pnpinfo vendor=0x8086 device=0x24fd subvendor=0x8086 subdevice=0x0010 "
    "class=0x028000 at slot=4 function=0 dbsf=pci0:0:4:0\n"
    "        unknown pnpinfo vendor=0x1234 device=0x1111 subvendor=0x0 subdevice=0x0 "
    "class=0x030000 at slot=2 function=0 (disabled)\n"
    "    unknown pnpinfo _HID=PNP0501 _UID=1 at handle=\\_SB_.COM1\n";

static void
test_devinfo(void **state)
{
	struct kext_devices d;
	kext_error err;
	char v[64];

	(void)state;
	assert_int_equal(kext_devices_parse(devinfo, strlen(devinfo), "dev.txt", &d, &err), 0);
	assert_int_equal(d.n, 8);
	assert_string_equal(d.items[4].name, "em0");
	assert_string_equal(d.items[4].bus, "pci");
	assert_string_equal(d.items[4].parent, "pci0");
	assert_string_equal(d.items[4].driver, "em");
	assert_false(kext_device_needs_driver(&d.items[4]));
	assert_string_equal(d.items[4].location, "slot=3 function=0 dbsf=pci0:0:3:0");
	assert_string_equal(d.items[5].name, "");
	assert_true(kext_device_needs_driver(&d.items[5]));
	assert_true(kext_device_value(&d.items[5], "device", v, sizeof(v)));
	assert_string_equal(v, "0x24fd");
	assert_false(kext_device_value(&d.items[5], "evice", v, sizeof(v)));
	assert_true(d.items[6].disabled);
	assert_false(kext_device_needs_driver(&d.items[6]));
	assert_string_equal(d.items[7].bus, "acpi");	/* back up one level */
	assert_string_equal(d.items[7].pnpinfo, "_HID=PNP0501 _UID=1");
	assert_int_equal(d.items[7].line, 8);
	kext_devices_free(&d);
}

static void
test_modalias_lines(void **state)
{
	static const char cut[] = "pci:vne0\npci:v00008086d0000100E\n";	/* found by fuzz_devices */
	static const char text[] = "# QEMU\n"
	    "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\r\n"
	    "\n"
	    "usb:v046DpC31Cd6400dc00dsc00dp00ic03isc01ip01in00\n"
	    "acpi:PNP0501:\n";
	struct kext_devices d;
	kext_error err;

	(void)state;
	assert_int_equal(kext_devices_parse(text, strlen(text), "m.txt", &d, &err), 0);
	assert_int_equal(d.n, 3);
	assert_string_equal(d.items[0].bus, "pci");
	assert_string_equal(d.items[0].pnpinfo, "vendor=0x8086 device=0x100e subvendor=0x1af4 "
	    "subdevice=0x1100 class=0x020000");
	assert_int_equal(d.items[0].line, 2);
	assert_string_equal(d.items[1].bus, "uhub");
	assert_non_null(strstr(d.items[1].pnpinfo, "vendor=0x046d product=0xc31c"));
	assert_non_null(strstr(d.items[1].pnpinfo, "mode=host intclass=0x03 intsubclass=0x01 "
	    "intprotocol=0x01"));
	assert_string_equal(d.items[2].bus, "acpi");
	assert_string_equal(d.items[2].pnpinfo, "");
	assert_true(kext_device_needs_driver(&d.items[2]));
	kext_devices_free(&d);
	/* a modalias cut short is kept as is, without pnpinfo */
	assert_int_equal(kext_devices_parse(cut, strlen(cut), "c.txt", &d, &err), 0);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.items[0].pnpinfo, "");
	assert_string_equal(d.items[1].pnpinfo, "");
	kext_devices_free(&d);
}

static void
test_bad_listings(void **state)
{
	static const char resources[] = "nexus0\n  I/O ports:\n";
	static const char junk[] = "nexus0\n  pci0 whatever\n";
	struct kext_devices d;
	kext_error err;

	(void)state;
	assert_int_equal(kext_devices_parse(resources, strlen(resources), "r.txt", &d, &err), -1);
	assert_non_null(strstr(err.msg, "r.txt:2: neither a devinfo -v line nor a modalias"));
	assert_int_equal(kext_devices_parse(junk, strlen(junk), "j.txt", &d, &err), -1);
	assert_non_null(strstr(err.msg, "j.txt:2: after the device name"));
	assert_int_equal(kext_devices_parse("a\0b", 3, "n.txt", &d, &err), -1);
	assert_non_null(strstr(err.msg, "n.txt: a NUL byte"));
}

static void
test_sysfs(void **state)
{
	const char *dir = *state;
	char *p, *target;
	struct kext_devices d;
	kext_error err;
	size_t bound = 0, free_ = 0;

	p = fx_fmt("%s/bus/pci/devices/0000:00:03.0/modalias", dir);
	fx_write_text(p, "pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\n");
	free(p);
	p = fx_fmt("%s/bus/pci/devices/0000:00:04.0/modalias", dir);
	fx_write_text(p, "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\n");
	free(p);
	target = fx_fmt("%s/bus/pci/drivers/virtio-pci", dir);
	fx_mkdirs(target);
	p = fx_fmt("%s/bus/pci/devices/0000:00:04.0/driver", dir);
	assert_int_equal(symlink(target, p), 0);
	free(p);
	free(target);
	p = fx_fmt("%s/bus/cpu/devices/cpu0", dir);	/* no modalias: not a device to match */
	fx_mkdirs(p);
	free(p);
	assert_int_equal(kext_devices_scan_sysfs(dir, &d, &err), 0);
	assert_int_equal(d.n, 2);
	for (size_t i = 0; i < d.n; i++) {
		if (strcmp(d.items[i].name, "0000:00:04.0") == 0) {
			assert_string_equal(d.items[i].driver, "virtio-pci");
			bound++;
		} else {
			assert_string_equal(d.items[i].name, "0000:00:03.0");
			assert_true(kext_device_needs_driver(&d.items[i]));
			free_++;
		}
	}
	assert_int_equal(bound + free_, 2);
	kext_devices_free(&d);
	p = fx_fmt("%s/none", dir);
	assert_int_equal(kext_devices_scan_sysfs(p, &d, &err), -1);
	assert_non_null(strstr(err.msg, "/none/bus"));
	free(p);
}

static void
test_events(void **state)
{
	static const char add[] = "add@/devices/pci0000:00/0000:00:03.0\0ACTION=add\0"
	    "DEVPATH=/devices/pci0000:00/0000:00:03.0\0SUBSYSTEM=pci\0"
	    "MODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\0SEQNUM=1234";
	static const char bind[] = "bind@/devices/pci0000:00/0000:00:03.0\0ACTION=bind\0"
	    "MODALIAS=pci:v00008086d0000100Esv00001AF4sd00001100bc02sc00i00\0";
	static const char cut[] = "add@/x\0ACTION=add\0MODALIAS=pci:v0000";
	static const char nomatch[] = "? at slot=4 function=0 dbsf=pci0:0:4:0 vendor=0x8086 "
	    "device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000 on pci0\n";
	struct kext_devices d = { 0 };
	kext_error err;

	(void)state;
	assert_int_equal(kext_device_from_uevent(add, sizeof(add) - 1, &d, &err), 1);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].name, "0000:00:03.0");
	assert_string_equal(d.items[0].bus, "pci");
	assert_non_null(strstr(d.items[0].pnpinfo, "device=0x100e"));
	assert_int_equal(kext_device_from_uevent(bind, sizeof(bind) - 1, &d, &err), 0);
	assert_int_equal(kext_device_from_uevent(cut, sizeof(cut) - 1, &d, &err), -1);
	assert_non_null(strstr(err.msg, "not NUL-terminated"));
	assert_int_equal(kext_device_from_uevent("noheader", 8, &d, &err), -1);
	assert_int_equal(kext_device_from_devd(nomatch, strlen(nomatch), &d, &err), 1);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.items[1].bus, "pci");
	assert_string_equal(d.items[1].parent, "pci0");
	assert_string_equal(d.items[1].pnpinfo, "slot=4 function=0 dbsf=pci0:0:4:0 vendor=0x8086 "
	    "device=0x24fd subvendor=0x8086 subdevice=0x0010 class=0x028000");
	assert_true(kext_device_needs_driver(&d.items[1]));
	assert_int_equal(kext_device_from_devd("+iwm0 at slot=4 on pci0\n", 24, &d, &err), 0);
	assert_int_equal(kext_device_from_devd("!system=DEVFS\n", 14, &d, &err), 0);
	assert_int_equal(kext_device_from_devd("? at slot=4\n", 12, &d, &err), -1);
	assert_non_null(strstr(err.msg, "without \" on BUS\""));
	assert_int_equal(kext_device_from_devd("?x", 2, &d, &err), -1);
	assert_int_equal(d.n, 2);
	kext_devices_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devinfo),
		cmocka_unit_test(test_modalias_lines),
		cmocka_unit_test(test_bad_listings),
		cmocka_unit_test(test_events),
		cmocka_unit_test_setup_teardown(test_sysfs, scratch_dir_setup, scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
