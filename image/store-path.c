#include "image/image.h"

#include <pwd.h>

int image_store_default_root(char **ret_path, struct qerr *err)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	if (geteuid() == 0) {
		*ret_path = xstrdup("/var/lib/qrun");
		return 0;
	}
	/* XDG base directory spec: only absolute values count. */
	if (xdg && xdg[0] == '/') {
		*ret_path = xasprintf("%s/qrun", xdg);
		return 0;
	}
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/')
		return qerr_set(
		    err, -ENOENT,
		    "cannot find a home directory for the store (set QRUN_ROOT or --root)");
	*ret_path = xasprintf("%s/.local/share/qrun", home);
	return 0;
}
