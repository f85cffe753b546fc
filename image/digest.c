/*
 * SHA-256 digests, "sha256:<hex>": the only libcrypto user (EVP API; the SHA256_* calls are
 * deprecated in OpenSSL 3).
 */
#include "image/image-internal.h"

#include <openssl/evp.h>

struct digest {
	EVP_MD_CTX *ctx;
};

static void digest_init(struct digest *d)
{
	/* Only fails on allocation failure inside OpenSSL; treat like xmalloc does. */
	if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
		abort();
}

struct digest *digest_new(void)
{
	struct digest *d = xcalloc(1, sizeof(*d));

	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx)
		abort();
	digest_init(d);
	return d;
}

void digest_update(struct digest *d, const void *buf, size_t len)
{
	if (len && EVP_DigestUpdate(d->ctx, buf, len) != 1)
		abort();
}

void digest_final(struct digest *d, char out[72])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != 32)
		abort();
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < n; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

void digest_reset(struct digest *d)
{
	digest_init(d);
}

struct digest *digest_free(struct digest *d)
{
	if (d) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
	}
	return NULL;
}

void digest_buffer(const void *buf, size_t len, char out[72])
{
	struct digest *d = digest_new();

	digest_update(d, buf, len);
	digest_final(d, out);
	digest_free(d);
}

void chain_ids(char *const *diff_ids, size_t n, char (*ret)[72])
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			snprintf(ret[0], 72, "%s", diff_ids[0]);
		} else {
			_cleanup_free_ char *s = xasprintf("%s %s", ret[i - 1], diff_ids[i]);

			digest_buffer(s, strlen(s), ret[i]);
		}
	}
}

struct image_hash *image_hash_new(void)
{
	return (struct image_hash *)digest_new();
}

void image_hash_update(struct image_hash *h, const void *buf, size_t len)
{
	digest_update((struct digest *)h, buf, len);
}

void image_hash_final(struct image_hash *h, char ret_digest[72])
{
	digest_final((struct digest *)h, ret_digest);
	digest_free((struct digest *)h);
}
