#pragma once
/*
 * Shared by the fuzz targets: libFuzzer's entry point and the checks every target makes.
 * Built twice: with clang's libFuzzer (`make fuzz`) and with replay-main.c as a plain program
 * that runs the seed corpus in `make fuzz-replay`.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* assert() that survives NDEBUG and names the broken property. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* A failed parse must leave one printable line behind. */
static inline void fuzz_check_message(const struct qerr *err)
{
	const char *p;

	FUZZ_CHECK(err->code < 0);
	FUZZ_CHECK(err->msg[0] != '\0');
	for (p = err->msg; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

/* The input as a NUL-terminated string, or NULL when it holds a NUL byte. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	if (memchr(data, 0, size))
		return NULL;
	return xstrndup((const char *)data, size);
}
