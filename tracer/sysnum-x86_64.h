#pragma once
/*
 * x86_64 syscall numbers newer than the build's headers, spelled out (they are ABI and never
 * change). Shared by the catalogue and copy-up.
 */

#define NR_fchmodat2	  452
#define NR_setxattrat	  463
#define NR_getxattrat	  464
#define NR_listxattrat	  465
#define NR_removexattrat  466
#define NR_open_tree_attr 467
#define NR_file_getattr	  468
#define NR_file_setattr	  469
