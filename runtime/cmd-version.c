#include "runtime/runtime.h"

#include <openssl/crypto.h>
#include <seccomp.h>
#include <yajl/yajl_version.h>

int cmd_version(int argc, char **argv, struct cmd_ctx *ctx)
{
	const struct scmp_version *sv = seccomp_version();

	(void)ctx;
	if (runtime_wants_help(argc, argv)) {
		printf("Usage: qrun version\n\nPrint qrun's version and the libraries it was built "
		       "with.\n");
		return 0;
	}
	printf("qrun version %s\n", QRUN_VERSION);
	printf("libarchive: %s\n", image_archive_version());
	printf("openssl: %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("yajl: %d\n", yajl_version());
	printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
	return 0;
}
