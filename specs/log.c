/* One line of a container's log (docker's json-file format; runtime/monitor.c writes it). */
#include "specs/specs-internal.h"

int spec_log_entry_parse(const char *buf, size_t len, struct spec_log_entry *ret, struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_log_entry e = { 0 };
	const struct jnode *root;
	struct jctx c;
	int r;

	jctx_init(&c, "log line", err);
	r = jdoc_parse("log line", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_string(&c, root, "log", true, &e.log)) < 0 ||
	    (r = jread_string(&c, root, "stream", true, &e.stream)) < 0 ||
	    (r = jread_string(&c, root, "time", true, &e.time)) < 0) {
		spec_log_entry_release(&e);
		return r;
	}
	*ret = e;
	return 0;
}

void spec_log_entry_release(struct spec_log_entry *e)
{
	free(e->log);
	free(e->stream);
	free(e->time);
	*e = (struct spec_log_entry){ 0 };
}
