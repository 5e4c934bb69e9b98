/* Fuzz target for the UDI parser (GS1 element strings, HIBCC primary/secondary).
 *
 * Nothing may crash; a failure must leave the output zeroed; a success must give a
 * DI that the UDI-DI validator accepts and NUL-terminated, in-range fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/udi.h"

static void check_date(const struct medfw_udi_date *d)
{
	if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31 || d->hour > 23 ||
	    d->minute > 59)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_udi u;
	enum medfw_err err;
	size_t i;

	err = medfw_udi_parse((const char *)data, size, 2025, &u, NULL);
	if (err != MEDFW_OK) {
		for (i = 0; i < sizeof(u); i++)
			if (((const uint8_t *)&u)[i] != 0)
				abort();
		return 0;
	}
	if (memchr(u.di, '\0', sizeof(u.di)) == NULL || memchr(u.lot, '\0', sizeof(u.lot)) == NULL ||
	    memchr(u.serial, '\0', sizeof(u.serial)) == NULL)
		abort();
	if (medfw_udi_di_validate(u.di, NULL, NULL) != MEDFW_OK)
		abort();
	if (u.has_expiry)
		check_date(&u.expiry);
	if (u.has_manufacture)
		check_date(&u.manufacture);
	return 0;
}
