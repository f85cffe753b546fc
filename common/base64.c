/*
 * Base64 (RFC 4648, with padding) for HTTP Basic credentials and the "auth" fields of
 * docker's config.json / podman's auth.json.
 */
#include "common/common.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = alphabet[(v >> 18) & 63];
		*o++ = alphabet[(v >> 12) & 63];
		*o++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

int base64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t len = strlen(s), n = 0;
	_cleanup_free_ char *out = xmalloc(len / 4 * 3 + 4);
	unsigned v = 0, bits = 0;

	for (size_t i = 0; i < len; i++) {
		const char *c;

		if (s[i] == '=') {
			/* Padding only at the end. */
			if (strspn(s + i, "=") != len - i)
				return -EINVAL;
			break;
		}
		c = s[i] ? strchr(alphabet, s[i]) : NULL;
		if (!c)
			return -EINVAL;
		v = (v << 6) | (unsigned)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((v >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	if (ret_len)
		*ret_len = n;
	return 0;
}
