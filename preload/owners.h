#pragma once
/* The shim's owners (preload/owners.c), for an emulated identity; hidden like the rest. */

struct stat;
struct statx;

/*
 * From the settings' owners string ("-": no identity; "!": one, the tracer answers every
 * stat; else the host path of the table), with the shim's two ways to make a call.
 */
void qrun_owners_setup(const char *setting, long (*fast)(long, long, long, long, long, long),
		       long (*trapped)(long, long, long, long, long, long));
/* Apply the emulated owners to a stat's answer: 0, or -1 when the tracer must answer. */
int qrun_owners_stat(struct stat *st);
int qrun_owners_statx(struct statx *sx);
