/*
 * Privileges of a container started by real root: no_new_privs, and a capability bounding set
 * (and effective/permitted/inheritable sets) cut down to docker's default, so that root in the
 * container cannot load modules, mount, trace qrun or reconfigure the host (libcap).
 */
#include "tracer/tracer-internal.h"

#include <sys/capability.h>
#include <sys/prctl.h>

int privs_restrict(void)
{
	cap_t caps;
	cap_value_t keep[64];
	int n = 0, r = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		if (TRACER_DOCKER_CAPS & (1ULL << c))
			keep[n++] = c;
		else if (CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0)
			return -errno;
	}
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_INHERITABLE, n, keep, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		r = -errno;
	cap_free(caps);
	return r;
}
