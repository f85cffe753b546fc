#pragma once
/*
 * image: the local image store ($QRUN_ROOT). Today only where it lives; blobs, layers, refs and
 * locking come with the image-store issue.
 */

#include "common/common.h"

/*
 * The store directory qrun uses when neither --root nor QRUN_ROOT says otherwise:
 * /var/lib/qrun for root, else $XDG_DATA_HOME/qrun, else ~/.local/share/qrun.
 * Returns 0 and a heap string, or -ENOENT when no home directory can be found.
 */
int image_store_default_root(char **ret_path, struct qerr *err);
