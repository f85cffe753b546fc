#include "specs/specs.h"

/*
 * Media types and digests. Comparisons are exact: registries and image tools write these
 * strings verbatim, and a parameter (";charset=...") or different case means a document we
 * were not written for.
 */

static bool streq(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

bool spec_media_type_is_index(const char *mt)
{
	return streq(mt, SPEC_MT_OCI_INDEX) || streq(mt, SPEC_MT_DOCKER_LIST);
}

bool spec_media_type_is_manifest(const char *mt)
{
	return streq(mt, SPEC_MT_OCI_MANIFEST) || streq(mt, SPEC_MT_DOCKER_MANIFEST);
}

static const struct {
	const char *mt;
	enum spec_compression comp;
} layer_types[] = {
	{ SPEC_MT_OCI_LAYER, SPEC_COMP_NONE },
	{ SPEC_MT_OCI_LAYER_GZIP, SPEC_COMP_GZIP },
	{ SPEC_MT_OCI_LAYER_ZSTD, SPEC_COMP_ZSTD },
	/* Deprecated in image-spec 1.1, but still in older OCI layouts. */
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", SPEC_COMP_NONE },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", SPEC_COMP_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", SPEC_COMP_ZSTD },
	{ SPEC_MT_DOCKER_LAYER, SPEC_COMP_NONE },
	{ SPEC_MT_DOCKER_LAYER_GZIP, SPEC_COMP_GZIP },
	{ SPEC_MT_DOCKER_LAYER_ZSTD, SPEC_COMP_ZSTD },
	{ SPEC_MT_DOCKER_FOREIGN_GZIP, SPEC_COMP_GZIP },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar", SPEC_COMP_NONE },
};

int spec_layer_compression(const char *mt, enum spec_compression *ret_comp)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (streq(mt, layer_types[i].mt)) {
			*ret_comp = layer_types[i].comp;
			return 0;
		}
	return -EINVAL;
}

const char *spec_layer_media_type(enum spec_compression comp)
{
	switch (comp) {
	case SPEC_COMP_GZIP:
		return SPEC_MT_OCI_LAYER_GZIP;
	case SPEC_COMP_ZSTD:
		return SPEC_MT_OCI_LAYER_ZSTD;
	case SPEC_COMP_NONE:
	default:
		return SPEC_MT_OCI_LAYER;
	}
}

bool spec_digest_valid(const char *digest)
{
	size_t i;

	if (!digest || !str_has_prefix(digest, "sha256:") || strlen(digest) != 7 + 64)
		return false;
	for (i = 7; i < 7 + 64; i++)
		if (!((digest[i] >= '0' && digest[i] <= '9') ||
		      (digest[i] >= 'a' && digest[i] <= 'f')))
			return false;
	return true;
}
