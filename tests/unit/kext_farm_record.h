/*
 * kextload's record of a flat farm loaded by kext_farm_sim_state (see
 * kext_farm.h), so kextstat at scale reads a record of every loaded kext, as
 * after n kextloads.
 */
#ifndef KEXT_FARM_RECORD_H
#define KEXT_FARM_RECORD_H

#include <stddef.h>

/*
 * Records the n kexts of the flat farm in dir as loaded into the sim kernel
 * spec (sim:DIR, whose state kext_farm_sim_state wrote): file id i + 2 is
 * Gen<i>.kext, through kext_load_record_add. 0, or -1 with a message in msg.
 */
int kext_farm_load_record(const char *dir, size_t n, const char *spec, char *msg,
    size_t msglen);

#endif
