/*
 * sim_ini.h - value parsers every part of the simulator's state file shares
 * (the device keys in sim_state.c, the 3PDS sections in sim_3pds_nvm.c, and
 * whatever section a later service adds).
 *
 * Owns: the spelling of state-file values that more than one section uses.
 * Must not: know any section, key or struct of the state (it sits below
 * all of them, so they can all call it without calling each other).
 */
#ifndef SIM_INI_H
#define SIM_INI_H

#include <stdbool.h>

/* State-file booleans: true/yes/1 or false/no/0. Returns 0 or -1. */
int sim_parse_bool(const char *v, bool *out);

#endif
