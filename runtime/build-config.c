/*
 * The instructions of a build that change only the image config: ENV, LABEL, EXPOSE, VOLUME,
 * WORKDIR, USER, STOPSIGNAL, MAINTAINER, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD (also
 * commit's --change), as docker applies them.
 */
#include "runtime/build.h"

const char *build_flag(const struct spec_df_instruction *in, const char *name)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (!strcmp(in->flags[i].name, name))
			return in->flags[i].value ? in->flags[i].value : "";
	return NULL;
}

/* CMD, ENTRYPOINT, RUN: the exec form as is, the shell form through SHELL. */
char **build_command(const struct build_stage *st, const struct spec_df_instruction *in,
		     const char *text)
{
	static const char *const sh[] = { "/bin/sh", "-c", NULL };
	const char *const *shell =
	    st->cfg.shell && st->cfg.shell[0] ? (const char *const *)st->cfg.shell : sh;
	size_t n = 0;
	char **v;

	if (in->json)
		return strv_copy(in->args);
	while (shell[n])
		n++;
	v = xcalloc(n + 2, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(shell[i]);
	v[n] = xstrdup(text);
	return v;
}

static int do_keyvalues(struct build_ctx *b, struct build_stage *st,
			const struct spec_df_instruction *in)
{
	struct build_scope sc = { b, st };
	char **k = NULL, **v = NULL;
	size_t n = 0;
	int r = spec_df_keyvalues(in->rest, b->escape, in->keyword, build_lookup, &sc, &k, &v, &n,
				  &b->ctx->err);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (!strcmp(in->keyword, "LABEL")) {
			spec_image_config_set_label(&st->cfg, k[i], v[i] ? v[i] : "");
		} else {
			_cleanup_free_ char *kv = xasprintf("%s=%s", k[i], v[i] ? v[i] : "");

			r = spec_image_config_set_env(&st->cfg, kv, &b->ctx->err);
		}
	}
	if (r >= 0)
		spec_df_keyvalues_free(k, v, n);
	return r;
}

static int do_words(struct build_ctx *b, struct build_stage *st,
		    const struct spec_df_instruction *in)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < in->n_args; i++) {
		_cleanup_free_ char *w = NULL;

		if (in->json)
			w = xstrdup(in->args[i]);
		else
			r = build_expand(b, st, in->args[i], &w);
		if (r < 0)
			break;
		r = !strcmp(in->keyword, "EXPOSE")
			? spec_image_config_add_port(&st->cfg, w, &b->ctx->err)
			: spec_image_config_add_volume(&st->cfg, w, &b->ctx->err);
	}
	return r;
}

static int do_workdir(struct build_ctx *b, struct build_stage *st,
		      const struct spec_df_instruction *in)
{
	_cleanup_free_ char *w = NULL;
	const char *cur = st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/";
	int r = build_expand(b, st, in->rest, &w);

	if (r < 0)
		return r;
	free(st->cfg.working_dir);
	st->cfg.working_dir =
	    w[0] == '/' ? xstrdup(w)
			: xasprintf("%s%s%s", cur, cur[strlen(cur) - 1] == '/' ? "" : "/", w);
	return 0;
}

static int healthcheck(struct build_ctx *b, struct build_stage *st,
		       const struct spec_df_instruction *in)
{
	struct spec_json *j = spec_json_new(false);
	static const char *const durations[] = { "interval", "timeout", "start-period",
						 "start-interval" };
	static const char *const keys[] = { "Interval", "Timeout", "StartPeriod", "StartInterval" };
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	spec_json_object_begin(j);
	spec_json_key(j, "Test");
	spec_json_array_begin(j);
	if (!strcmp(in->health_type, "NONE")) {
		spec_json_string(j, "NONE");
	} else if (in->json) {
		spec_json_string(j, "CMD");
		for (size_t i = 0; i < in->n_args; i++)
			spec_json_string(j, in->args[i]);
	} else {
		spec_json_string(j, "CMD-SHELL");
		spec_json_string(j, in->rest);
	}
	spec_json_array_end(j);
	for (size_t i = 0; i < ARRAY_SIZE(durations); i++) {
		const char *v = build_flag(in, durations[i]);
		double secs = 0;
		char unit = 's';

		if (!v)
			continue;
		if (sscanf(v, "%lf%c", &secs, &unit) < 1 || secs < 0 || !strchr("smh", unit)) {
			free(spec_json_finish(j, &len));
			return qerr_set(
			    &b->ctx->err, -EINVAL,
			    "Dockerfile line %d: --%s '%s': expected a duration like 30s", in->line,
			    durations[i], v);
		}
		secs *= unit == 'h' ? 3600 : unit == 'm' ? 60 : 1;
		spec_json_key(j, keys[i]);
		spec_json_int(j, (int64_t)(secs * 1e9));
	}
	if (build_flag(in, "retries")) {
		long n;

		if (parse_int(build_flag(in, "retries"), 0, 1000000, &n) < 0) {
			free(spec_json_finish(j, &len));
			return qerr_set(&b->ctx->err, -EINVAL,
					"Dockerfile line %d: --retries '%s': expected a number",
					in->line, build_flag(in, "retries"));
		}
		spec_json_key(j, "Retries");
		spec_json_int(j, n);
	}
	spec_json_object_end(j);
	text = spec_json_finish(j, &len);
	r = spec_image_config_set_healthcheck(&st->cfg, text, len, &b->ctx->err);
	return r;
}

int build_config_instruction(struct build_ctx *b, struct build_stage *st,
			     const struct spec_df_instruction *in)
{
	const char *k = in->keyword;
	_cleanup_free_ char *w = NULL;
	int r = 0;

	if (!strcmp(k, "ENV") || !strcmp(k, "LABEL"))
		r = do_keyvalues(b, st, in);
	else if (!strcmp(k, "EXPOSE") || !strcmp(k, "VOLUME"))
		r = do_words(b, st, in);
	else if (!strcmp(k, "WORKDIR"))
		r = do_workdir(b, st, in);
	else if (!strcmp(k, "USER") || !strcmp(k, "STOPSIGNAL") || !strcmp(k, "MAINTAINER")) {
		r = build_expand(b, st, in->rest, &w);
		if (r >= 0) {
			char **field = !strcmp(k, "USER")	  ? &st->cfg.user
				       : !strcmp(k, "STOPSIGNAL") ? &st->cfg.stop_signal
								  : &st->cfg.author;

			free(*field);
			*field = TAKE_PTR(w);
		}
	} else if (!strcmp(k, "CMD") || !strcmp(k, "ENTRYPOINT")) {
		char **v = build_command(st, in, in->rest);

		if (!strcmp(k, "CMD")) {
			strv_free(st->cfg.cmd);
			st->cfg.cmd = v;
		} else {
			strv_free(st->cfg.entrypoint);
			st->cfg.entrypoint = v;
			/* docker: a new ENTRYPOINT drops the CMD of the base */
			strv_free(st->cfg.cmd);
			st->cfg.cmd = NULL;
		}
	} else if (!strcmp(k, "SHELL")) {
		if (!in->json || !in->n_args)
			return qerr_set(&b->ctx->err, -EINVAL,
					"Dockerfile line %d: SHELL needs a JSON array", in->line);
		strv_free(st->cfg.shell);
		st->cfg.shell = strv_copy(in->args);
	} else if (!strcmp(k, "HEALTHCHECK")) {
		r = healthcheck(b, st, in);
	} else if (!strcmp(k, "ONBUILD")) {
		size_t n = 0;

		while (st->cfg.on_build && st->cfg.on_build[n])
			n++;
		st->cfg.on_build = xrealloc(st->cfg.on_build, (n + 2) * sizeof(char *));
		st->cfg.on_build[n] = xstrdup(in->rest);
		st->cfg.on_build[n + 1] = NULL;
	} else {
		return qerr_set(&b->ctx->err, -EINVAL,
				"Dockerfile line %d: unknown instruction '%s'", in->line, k);
	}
	if (r < 0)
		return qerr_wrap(&b->ctx->err, r, "Dockerfile line %d", in->line);
	return 0;
}
