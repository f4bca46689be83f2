/*
 * One-instruction x86 disassembly for register dumps and -d in_asm.
 *
 * Contract
 * - capstone is opened with dlopen() on the first call, never at start-up:
 *   its relocated tables are about 3 MiB of resident memory and a millisecond
 *   of dynamic linking that a VMM which never traces or dumps must not pay.
 * - disas_one() decodes the instruction at code[0..len) in 16-, 32- or 64-bit
 *   mode at guest address addr, writes "mnemonic operands" to text and
 *   returns its length; 0 when it is undecodable or capstone is not
 *   installed (disas_available() tells which). Safe from any thread: each
 *   thread keeps its own capstone handles.
 */
#ifndef VMM_DISAS_H
#define VMM_DISAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool disas_available(void);
unsigned disas_one(int bits, const uint8_t *code, size_t len, uint64_t addr, char *text,
		   size_t textlen);

#endif
