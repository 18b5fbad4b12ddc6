/* Mergeable partials through the C API: a CRM with two shards, one partial per shard from one
 * spec, merged in both orders (the same bytes), through bytes and files, equal to the analyses
 * of all the events on one machine; batches cut inside a customer; incompatible specs, misuse
 * and NULL arguments. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, rmdir */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

typedef struct {
  char customer[16];
  const char *touchpoint; /* NULL: a conversion */
  int64_t time;
  double value;
} row;

/* First-seen order in the events differs from the sorted vocabulary; "tv" is in the vocabulary
 * but never seen. */
static const char *const TOUCHPOINTS[5] = {"store", "social", "email", "search", "display"};
static const char *const VOCABULARY[6] = {"tv", "search", "display", "store", "email", "social"};
#define N_VOCABULARY 6
#define MODELS "first,linear,markov,shapley"
#define N_MODELS 4

static uint64_t rng;
static uint32_t rnd(uint32_t n) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)((rng >> 33) % n);
}

/* `customers` customers named prefix1, prefix2, ..., each with 1-5 touches at distinct,
 * increasing times, a conversion after a touch one time in four (a customer may convert more
 * than once, and the last one always converts). Rows of a customer are contiguous. */
static size_t shard_rows(const char *prefix, int customers, uint64_t seed, row *out) {
  rng = seed;
  size_t k = 0;
  for (int c = 1; c <= customers; c++) {
    int64_t t = 1700000000000LL + (int64_t)rnd(1000000);
    int touches = 1 + (int)rnd(5);
    for (int i = 0; i < touches; i++) {
      t += 1 + (int64_t)rnd(3600000);
      row *r = &out[k++];
      snprintf(r->customer, sizeof r->customer, "%s%d", prefix, c);
      r->touchpoint = TOUCHPOINTS[rnd(5)];
      r->time = t;
      r->value = 0;
      if (rnd(4) == 0 || (c == customers && i == touches - 1)) {
        t += 1 + (int64_t)rnd(60000);
        row *v = &out[k++];
        memcpy(v->customer, r->customer, sizeof v->customer);
        v->touchpoint = NULL;
        v->time = t;
        v->value = 10.0 + rnd(90) + 0.25 * rnd(4);
      }
    }
  }
  return k;
}

static void push(touchpoint_event_table *ev, const row *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const row *r = &rows[i];
    CHECK_OK(touchpoint_event_table_push(ev, r->customer, strlen(r->customer), r->touchpoint,
                                         r->touchpoint ? strlen(r->touchpoint) : 0, r->time, r->touchpoint == NULL,
                                         r->value, NAN));
  }
}

/* One shard's partial, its rows pushed in batches of rows [cuts[i], cuts[i+1]). */
static touchpoint_partial *build(const touchpoint_partial_spec *spec, const row *rows, const size_t *cuts,
                                 size_t n_batches) {
  touchpoint_partial_builder *b = NULL;
  CHECK_OK(touchpoint_partial_builder_new(spec, &b));
  for (size_t i = 0; i < n_batches; i++) {
    touchpoint_event_table *ev = NULL;
    CHECK_OK(touchpoint_event_table_new(&ev));
    push(ev, rows + cuts[i], cuts[i + 1] - cuts[i]);
    CHECK_OK(touchpoint_partial_builder_push(b, ev));
    touchpoint_event_table_free(ev);
  }
  touchpoint_partial *p = NULL;
  CHECK_OK(touchpoint_partial_builder_finish(b, &p));
  touchpoint_partial_builder_free(b);
  return p;
}

/* The bytes of a partial in a new malloc'd buffer (size query first). */
static unsigned char *bytes_of(const touchpoint_partial *p, size_t *n) {
  CHECK_CODE(touchpoint_partial_to_bytes(p, NULL, 0, n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  unsigned char *b = malloc(*n);
  size_t m = 0;
  CHECK_CODE(touchpoint_partial_to_bytes(p, b, *n - 1, &m), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  CHECK(m == *n);
  CHECK_OK(touchpoint_partial_to_bytes(p, b, *n, &m)); /* an exact fit: no NUL is added */
  CHECK(m == *n);
  return b;
}

static int same_bytes(const touchpoint_partial *a, const touchpoint_partial *b) {
  size_t na = 0, nb = 0;
  unsigned char *x = bytes_of(a, &na), *y = bytes_of(b, &nb);
  int same = na == nb && memcmp(x, y, na) == 0;
  free(x);
  free(y);
  return same;
}

/* "states" of a graph's summary JSON. */
static long graph_states(const touchpoint_journey_graph *g) {
  size_t n = 0;
  CHECK_CODE(touchpoint_journey_graph_summary_json(g, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  char *s = malloc(n + 1);
  CHECK_OK(touchpoint_journey_graph_summary_json(g, s, n + 1, &n));
  const char *at = strstr(s, "\"states\": ");
  long states = at ? strtol(at + strlen("\"states\": "), NULL, 10) : -1;
  free(s);
  return states;
}

/* The partial's attribution equals attribution of the journeys of all the events, touchpoint by
 * touchpoint (looked up by name: the partial's rows are in sorted vocabulary order, the
 * journeys' in first-seen order); "tv", never seen, gets nothing. */
static void same_attribution(const touchpoint_partial *merged, const touchpoint_journeys *all) {
  touchpoint_comparison *ours = NULL, *theirs = NULL;
  CHECK_OK(touchpoint_partial_attribute(merged, &ours));
  CHECK_OK(touchpoint_attribute_journeys(all, S(MODELS), NULL, &theirs));
  size_t m = 0, rows = 0;
  CHECK_OK(touchpoint_comparison_models(ours, &m));
  CHECK(m == N_MODELS);
  for (size_t i = 0; i < N_MODELS; i++) {
    char a[256], b[256];
    size_t n = 0;
    CHECK_OK(touchpoint_comparison_model_label(ours, i, a, sizeof a, &n));
    CHECK_OK(touchpoint_comparison_model_label(theirs, i, b, sizeof b, &n));
    CHECK(strcmp(a, b) == 0);
    CHECK_OK(touchpoint_comparison_rows(ours, i, &rows));
    CHECK(rows == N_VOCABULARY);
    touchpoint_credit first;
    CHECK_OK(touchpoint_comparison_row(ours, i, 0, &first));
    CHECK(strcmp(first.touchpoint, "display") == 0); /* sorted */
    for (size_t t = 0; t < 5; t++) {
      const char *name = TOUCHPOINTS[t];
      CHECK_NEAR(credit(ours, i, name, 0), credit(theirs, i, name, 0), 1e-9);
      CHECK_NEAR(credit(ours, i, name, 1), credit(theirs, i, name, 1), 1e-9);
    }
    CHECK_NEAR(credit(ours, i, "tv", 0), 0.0, 0.0);
    CHECK(isnan(credit(theirs, i, "tv", 0)));
    touchpoint_totals x, y;
    CHECK_OK(touchpoint_comparison_totals(ours, i, &x));
    CHECK_OK(touchpoint_comparison_totals(theirs, i, &y));
    CHECK_NEAR(x.total_journeys, y.total_journeys, 0.0);
    CHECK_NEAR(x.total_conversions, y.total_conversions, 0.0);
    CHECK_NEAR(x.total_value, y.total_value, 1e-9);
  }
  touchpoint_comparison_free(theirs);
  touchpoint_comparison_free(ours);
}

/* The order-1 graph, the path table and the build report of the partial are those of the
 * journeys of all the events. */
static void same_graph_paths_report(const touchpoint_partial *merged, const touchpoint_journeys *all) {
  touchpoint_journey_graph *ours = NULL, *theirs = NULL;
  CHECK_OK(touchpoint_partial_graph(merged, 1, &ours));
  CHECK_OK(touchpoint_journey_graph_from_journeys(all, 1, &theirs));
  long states = graph_states(ours);
  CHECK(states > 3 && states == graph_states(theirs));
  double p = 0, q = 0;
  CHECK_OK(touchpoint_journey_graph_conversion_probability(ours, &p));
  CHECK_OK(touchpoint_journey_graph_conversion_probability(theirs, &q));
  CHECK_NEAR(p, q, 1e-12);
  touchpoint_journey_graph_free(theirs);
  touchpoint_journey_graph_free(ours);

  touchpoint_path_table *pt = NULL, *jt = NULL;
  CHECK_OK(touchpoint_partial_path_table(merged, &pt));
  CHECK_OK(touchpoint_path_table_from_journeys(all, &jt));
  size_t np = 0, nj = 0;
  CHECK_OK(touchpoint_path_table_len(pt, &np));
  CHECK_OK(touchpoint_path_table_len(jt, &nj));
  CHECK(np > 0 && np == nj);
  touchpoint_path_table_free(jt);
  touchpoint_path_table_free(pt);

  touchpoint_journey_report a, b;
  CHECK_OK(touchpoint_partial_report(merged, &a));
  CHECK_OK(touchpoint_journeys_report(all, &b));
  CHECK(a.events_in == b.events_in && a.touches_in == b.touches_in && a.conversions_in == b.conversions_in);
  CHECK(a.customers == b.customers && a.touches_kept == b.touches_kept);
  CHECK(a.journeys_converting == b.journeys_converting && a.journeys_non_converting == b.journeys_non_converting);
  CHECK(a.customers_resorted == 0);
  char *json = NULL;
  CHECK_OK(touchpoint_partial_report_json(merged, &json));
  char want[64];
  snprintf(want, sizeof want, "\"customers\": %zu", b.customers);
  CHECK(json != NULL && strstr(json, want) != NULL);
  touchpoint_string_free(json);
}

/* Bytes and files give back the same partial; the header says kind and fingerprint; a damaged
 * or foreign file is MODEL_FILE. */
static void saved(const touchpoint_partial *merged, const touchpoint_partial_spec *spec, const char *dir) {
  size_t n = 0;
  unsigned char *b = bytes_of(merged, &n);
  touchpoint_partial *from_bytes = NULL, *from_file = NULL;
  CHECK_OK(touchpoint_partial_from_bytes(b, n, &from_bytes));
  CHECK(same_bytes(merged, from_bytes));
  char path[4096];
  snprintf(path, sizeof path, "%s/merged.tpp", dir);
  CHECK_OK(touchpoint_partial_save(merged, path, strlen(path)));
  CHECK_OK(touchpoint_partial_load(path, strlen(path), &from_file));
  CHECK(same_bytes(merged, from_file));
  CHECK_CODE(touchpoint_partial_load(path, strlen(path), NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`out`");
  uint64_t parts = 0;
  CHECK_OK(touchpoint_partial_parts(from_file, &parts));
  CHECK(parts == 2);

  char info[1024], fp[64];
  size_t m = 0;
  uint64_t fingerprint = 0;
  CHECK_OK(touchpoint_model_file_info_json(path, strlen(path), info, sizeof info, &m));
  CHECK_OK(touchpoint_partial_spec_fingerprint(spec, &fingerprint));
  snprintf(fp, sizeof fp, "\"fingerprint\": \"%016llx\"", (unsigned long long)fingerprint);
  CHECK(strstr(info, "\"kind\": \"partial\"") != NULL && strstr(info, fp) != NULL);

  touchpoint_partial *bad = NULL;
  b[n / 2] ^= 0x5a;
  CHECK_CODE(touchpoint_partial_from_bytes(b, n, &bad), TOUCHPOINT_RESULT_MODEL_FILE);
  EXPECT_MESSAGE("damaged");
  b[n / 2] ^= 0x5a;
  CHECK_CODE(touchpoint_partial_from_bytes(b, n - 1, &bad), TOUCHPOINT_RESULT_MODEL_FILE);
  EXPECT_MESSAGE("truncated");
  char missing[4096];
  snprintf(missing, sizeof missing, "%s/missing.tpp", dir);
  CHECK_CODE(touchpoint_partial_load(missing, strlen(missing), &bad), TOUCHPOINT_RESULT_IO);
  CHECK(bad == NULL);
  /* a journey graph file is not a partial */
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_partial_graph(merged, 1, &g));
  char gpath[4096];
  snprintf(gpath, sizeof gpath, "%s/graph.tpm", dir);
  CHECK_OK(touchpoint_journey_graph_save(g, gpath, strlen(gpath)));
  CHECK_CODE(touchpoint_partial_load(gpath, strlen(gpath), &bad), TOUCHPOINT_RESULT_MODEL_FILE);
  CHECK_CODE(touchpoint_journey_graph_load(path, strlen(path), &g), TOUCHPOINT_RESULT_MODEL_FILE);
  CHECK(bad == NULL);
  touchpoint_journey_graph_free(g);
  remove(gpath);
  remove(path);
  free(b);
  touchpoint_partial_free(from_file);
  touchpoint_partial_free(from_bytes);
}

/* Partials of different specs do not merge, and the one merged into is unchanged. */
static void incompatible(touchpoint_partial *merged, const row *rows, size_t n) {
  const char *fewer[2] = {"email", "search"};
  touchpoint_partial_spec *other = NULL, *other_models = NULL;
  CHECK_OK(touchpoint_partial_spec_new(fewer, 2, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 1, &other));
  CHECK_OK(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, S("linear"),
                                       NULL, NULL, 0, 1, &other_models));
  touchpoint_partial *e1 = NULL, *e2 = NULL;
  CHECK_OK(touchpoint_partial_empty(other, &e1));
  CHECK_OK(touchpoint_partial_empty(other_models, &e2));
  size_t n0 = 0;
  unsigned char *before = bytes_of(merged, &n0);
  CHECK_CODE(touchpoint_partial_merge(merged, e1), TOUCHPOINT_RESULT_INCOMPATIBLE);
  EXPECT_MESSAGE("vocabularies differ");
  CHECK_CODE(touchpoint_partial_merge(merged, e2), TOUCHPOINT_RESULT_INCOMPATIBLE);
  EXPECT_MESSAGE("models differ");
  CHECK_CODE(touchpoint_partial_merge(e1, merged), TOUCHPOINT_RESULT_INCOMPATIBLE);
  EXPECT_MESSAGE("fingerprints");
  size_t n1 = 0;
  unsigned char *after = bytes_of(merged, &n1);
  CHECK(n0 == n1 && memcmp(before, after, n0) == 0);
  uint64_t f1 = 0, f2 = 0;
  CHECK_OK(touchpoint_partial_spec_fingerprint(other, &f1));
  CHECK_OK(touchpoint_partial_spec_fingerprint(other_models, &f2));
  CHECK(f1 != f2);

  /* a touchpoint outside the vocabulary: INVALID_ARGUMENT, and the builder is spent */
  touchpoint_partial_builder *b = NULL;
  CHECK_OK(touchpoint_partial_builder_new(other, &b));
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  push(ev, rows, n);
  CHECK_CODE(touchpoint_partial_builder_push(b, ev), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  touchpoint_partial *p = NULL;
  CHECK_CODE(touchpoint_partial_builder_push(b, ev), TOUCHPOINT_RESULT_INVALID_STATE);
  EXPECT_MESSAGE("earlier push");
  CHECK_CODE(touchpoint_partial_builder_finish(b, &p), TOUCHPOINT_RESULT_INVALID_STATE);
  CHECK(p == NULL);
  touchpoint_partial_builder_free(b);
  touchpoint_event_table_free(ev);
  free(before);
  free(after);
  touchpoint_partial_free(e2);
  touchpoint_partial_free(e1);
  touchpoint_partial_spec_free(other_models);
  touchpoint_partial_spec_free(other);
}

/* Misuse: finishing twice, a customer coming back, orders and tables not counted, bad flags. */
static void misuse(const touchpoint_partial_spec *spec) {
  touchpoint_partial_builder *b = NULL;
  touchpoint_partial *p = NULL, *q = NULL;
  CHECK_OK(touchpoint_partial_builder_new(spec, &b));
  CHECK_CODE(touchpoint_partial_builder_finish(b, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_OK(touchpoint_partial_builder_finish(b, &p)); /* still open after the NULL `out` */
  CHECK_CODE(touchpoint_partial_builder_finish(b, &q), TOUCHPOINT_RESULT_INVALID_STATE);
  EXPECT_MESSAGE("already called");
  CHECK(q == NULL);
  uint64_t parts = 9;
  CHECK_OK(touchpoint_partial_parts(p, &parts));
  CHECK(parts == 1); /* a partial without counts, counting as one part */
  touchpoint_comparison *c = NULL;
  CHECK_CODE(touchpoint_partial_attribute(p, &c), TOUCHPOINT_RESULT_EMPTY_INPUT);
  CHECK(c == NULL);
  touchpoint_partial_free(p);
  p = NULL;
  touchpoint_partial_builder_free(b);

  /* a customer counted in an earlier batch must not come back */
  CHECK_OK(touchpoint_partial_builder_new(spec, &b));
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_OK(touchpoint_event_table_push(ev, S("x1"), S("email"), 1, false, 0, NAN));
  CHECK_OK(touchpoint_event_table_push(ev, S("x2"), S("email"), 2, false, 0, NAN));
  CHECK_OK(touchpoint_partial_builder_push(b, ev));
  touchpoint_result code = touchpoint_partial_builder_push(b, ev); /* found here or by finish */
  if (code == TOUCHPOINT_RESULT_OK) code = touchpoint_partial_builder_finish(b, &p);
  CHECK_CODE(code, TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("customer");
  CHECK_CODE(touchpoint_partial_builder_finish(b, &p), TOUCHPOINT_RESULT_INVALID_STATE);
  CHECK(p == NULL);
  touchpoint_partial_builder_free(b);
  touchpoint_event_table_free(ev);

  /* an empty table leaves the builder as it was */
  CHECK_OK(touchpoint_partial_builder_new(spec, &b));
  CHECK_OK(touchpoint_event_table_new(&ev));
  CHECK_CODE(touchpoint_partial_builder_push(b, ev), TOUCHPOINT_RESULT_EMPTY_INPUT);
  CHECK_OK(touchpoint_event_table_push(ev, S("x1"), S("email"), 1, true, 5, NAN));
  CHECK_OK(touchpoint_partial_builder_push(b, ev));
  CHECK_OK(touchpoint_partial_builder_finish(b, &p));
  touchpoint_partial_builder_free(b);
  touchpoint_event_table_free(ev);

  touchpoint_journey_graph *g = NULL;
  CHECK_CODE(touchpoint_partial_graph(p, 3, &g), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("order-3");
  CHECK_CODE(touchpoint_partial_graph(p, 0, &g), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  CHECK(g == NULL);
  /* merging a partial into itself doubles it */
  CHECK_OK(touchpoint_partial_merge(p, p));
  CHECK_OK(touchpoint_partial_parts(p, &parts));
  CHECK(parts == 2);
  touchpoint_journey_report r;
  CHECK_OK(touchpoint_partial_report(p, &r));
  CHECK(r.customers == 2 && r.events_in == 2);
  touchpoint_partial_free(p);

  /* a spec without the path table or models */
  touchpoint_partial_spec *bare = NULL;
  const uint32_t orders[2] = {2, 1};
  CHECK_OK(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, NULL, 0, NULL,
                                       orders, 2, 0, &bare));
  CHECK_OK(touchpoint_partial_empty(bare, &p));
  touchpoint_path_table *pt = NULL;
  CHECK_CODE(touchpoint_partial_path_table(p, &pt), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("path table");
  CHECK_CODE(touchpoint_partial_attribute(p, &c), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("no models");
  CHECK(pt == NULL && c == NULL);
  touchpoint_partial_free(p);
  touchpoint_partial_spec_free(bare);

  /* every argument a caller writes is checked */
  touchpoint_partial_spec *s = NULL;
  const char *const *vocab = (const char *const *)VOCABULARY;
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 2, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`paths`");
  const uint32_t too_high[1] = {17};
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, NULL, S(MODELS), NULL, too_high, 1, 0, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("order");
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, NULL, S("magic"), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("magic");
  touchpoint_model_params params = touchpoint_model_params_default();
  params.max_touches = 3;
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, NULL, S(MODELS), &params, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.max_touches");
  params = touchpoint_model_params_default();
  params.allocation = 7;
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, NULL, S(MODELS), &params, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("params.allocation");
  touchpoint_journey_options o = touchpoint_journey_options_default();
  o.collapse_repeats = 3;
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, NULL, 0, &o, S(MODELS), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.collapse_repeats");
  CHECK_CODE(touchpoint_partial_spec_new(NULL, 0, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_EMPTY_INPUT);
  CHECK_CODE(touchpoint_partial_spec_new(vocab, N_VOCABULARY, S("[{\"name\": 1}]"), NULL, S(MODELS), NULL, NULL, 0, 0,
                                         &s),
             TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("catalog_json");
  const char *with_null[2] = {"email", NULL};
  CHECK_CODE(touchpoint_partial_spec_new(with_null, 2, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("vocabulary[1]");
  const char bad_utf8[] = {'a', (char)0xff, 0};
  const char *bad[1] = {bad_utf8};
  CHECK_CODE(touchpoint_partial_spec_new(bad, 1, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_INVALID_UTF8);
  CHECK(s == NULL);

  /* the catalog's names join the vocabulary, with their attributes */
  CHECK_OK(touchpoint_partial_spec_new(NULL, 0, S("[{\"name\": \"search\", \"cost\": 2.5}, {\"name\": \"email\"}]"),
                                       NULL, S("last_non_direct"), NULL, NULL, 0, 0, &s));
  uint64_t f1 = 0, f2 = 0;
  CHECK_OK(touchpoint_partial_spec_fingerprint(s, &f1));
  touchpoint_partial_spec_free(s);
  const char *two[2] = {"search", "email"};
  CHECK_OK(touchpoint_partial_spec_new(two, 2, NULL, 0, NULL, S("last_non_direct"), NULL, NULL, 0, 0, &s));
  CHECK_OK(touchpoint_partial_spec_fingerprint(s, &f2));
  CHECK(f1 != f2); /* the cost is part of the spec */
  touchpoint_partial_spec_free(s);
}

/* NULL arguments are reported, never dereferenced; `full` is a partial with counts (outputs are
 * computed before they are written). */
static void null_arguments(const touchpoint_partial_spec *spec, const touchpoint_partial *full) {
  touchpoint_partial_spec *s = NULL;
  touchpoint_partial_builder *b = NULL;
  touchpoint_partial *p = NULL;
  touchpoint_comparison *c = NULL;
  touchpoint_journey_graph *g = NULL;
  touchpoint_path_table *pt = NULL;
  touchpoint_journey_report r;
  char *json = NULL;
  uint64_t u = 0;
  size_t n = 0;
  CHECK_CODE(touchpoint_partial_spec_new(NULL, 2, NULL, 0, NULL, S(MODELS), NULL, NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`vocabulary`");
  CHECK_CODE(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, NULL, 3, NULL,
                                         NULL, 0, 0, &s),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`models`");
  CHECK_CODE(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, S(MODELS), NULL,
                                         NULL, 2, 0, &s),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`graph_orders`");
  CHECK_CODE(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, S(MODELS), NULL,
                                         NULL, 0, 0, NULL),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`out`");
  CHECK_CODE(touchpoint_partial_spec_fingerprint(NULL, &u), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_spec_fingerprint(spec, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_builder_new(NULL, &b), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`spec`");
  CHECK_CODE(touchpoint_partial_builder_new(spec, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_builder_push(NULL, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`builder`");
  CHECK_OK(touchpoint_partial_builder_new(spec, &b));
  CHECK_CODE(touchpoint_partial_builder_push(b, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`events`");
  CHECK_CODE(touchpoint_partial_builder_finish(NULL, &p), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_partial_builder_free(b);
  CHECK_CODE(touchpoint_partial_empty(NULL, &p), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_empty(spec, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_OK(touchpoint_partial_empty(spec, &p));
  CHECK_CODE(touchpoint_partial_merge(NULL, p), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`into`");
  CHECK_CODE(touchpoint_partial_merge(p, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`other`");
  CHECK_CODE(touchpoint_partial_merge(NULL, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_to_bytes(NULL, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_to_bytes(p, NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_from_bytes(NULL, 0, &p), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_save(NULL, S("x.tpp")), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_save(p, NULL, 0), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_load(NULL, 0, &p), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_attribute(NULL, &c), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_attribute(full, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_graph(full, 1, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_path_table(full, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_graph(NULL, 1, &g), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_path_table(NULL, &pt), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_report(NULL, &r), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_report(p, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_report_json(NULL, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_report_json(p, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`out_json`");
  CHECK_CODE(touchpoint_partial_parts(NULL, &u), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_partial_parts(p, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(s == NULL && b != NULL && c == NULL && g == NULL && pt == NULL && json == NULL);
  touchpoint_partial_free(p);
  touchpoint_partial_free(NULL);
  touchpoint_partial_builder_free(NULL);
  touchpoint_partial_spec_free(NULL);
}

/* The experience table of two shards' feedback scores equals the one of all events (same JSON). */
static void experience_of_shards(void) {
  static const char *const names[2] = {"email", "store"};
  touchpoint_partial_spec *spec = NULL;
  CHECK_OK(touchpoint_partial_spec_new(names, 2, NULL, 0, NULL, "", 0, NULL, NULL, 0, 0, &spec));
  CHECK_CODE(touchpoint_partial_spec_with_experience(spec, "{\"scale\": \"nope\"}", 17), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  CHECK_OK(touchpoint_partial_spec_with_experience(spec, "{\"small_n\": 2}", 14));
  touchpoint_event_table *all = NULL, *a = NULL, *b = NULL;
  CHECK_OK(touchpoint_event_table_new(&all));
  CHECK_OK(touchpoint_event_table_new(&a));
  CHECK_OK(touchpoint_event_table_new(&b));
  const double scores[6] = {10, 9, 3, 7, 0, NAN};
  for (int i = 0; i < 6; i++) {
    char c[8];
    snprintf(c, sizeof c, "c%d", i % 3);
    const char *tp = names[i % 2];
    touchpoint_event_table *shard = i % 3 == 0 ? a : b; /* whole customers per shard */
    CHECK_OK(touchpoint_event_table_push(shard, c, strlen(c), tp, strlen(tp), 1000 + i, false, 0, scores[i]));
    CHECK_OK(touchpoint_event_table_push(all, c, strlen(c), tp, strlen(tp), 1000 + i, false, 0, scores[i]));
  }
  touchpoint_partial *pa = NULL, *pb = NULL;
  touchpoint_partial_builder *ba = NULL, *bb = NULL;
  CHECK_OK(touchpoint_partial_builder_new(spec, &ba));
  CHECK_OK(touchpoint_partial_builder_push(ba, a));
  CHECK_OK(touchpoint_partial_builder_finish(ba, &pa));
  CHECK_OK(touchpoint_partial_builder_new(spec, &bb));
  CHECK_OK(touchpoint_partial_builder_push(bb, b));
  CHECK_OK(touchpoint_partial_builder_finish(bb, &pb));
  CHECK_OK(touchpoint_partial_merge(pa, pb));
  char *ours = NULL, *theirs = NULL;
  CHECK_OK(touchpoint_partial_experience_json(pa, &ours));
  CHECK_OK(touchpoint_experience_json(all, NULL, "{\"small_n\": 2}", 14, NULL, 0, &theirs));
  CHECK(ours != NULL && theirs != NULL && strcmp(ours, theirs) == 0);
  CHECK(ours != NULL && strstr(ours, "\"group\": \"email\"") != NULL);
  touchpoint_string_free(ours);
  touchpoint_string_free(theirs);
  /* a spec without experience says so */
  touchpoint_partial *none = NULL;
  touchpoint_partial_spec *lean = NULL;
  CHECK_OK(touchpoint_partial_spec_new(names, 2, NULL, 0, NULL, "", 0, NULL, NULL, 0, 0, &lean));
  CHECK_OK(touchpoint_partial_empty(lean, &none));
  char *j = NULL;
  CHECK_CODE(touchpoint_partial_experience_json(none, &j), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("with_experience");
  CHECK_CODE(touchpoint_partial_spec_with_experience(NULL, NULL, 0), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_partial_free(none);
  touchpoint_partial_spec_free(lean);
  touchpoint_partial_free(pa);
  touchpoint_partial_free(pb);
  touchpoint_partial_builder_free(ba);
  touchpoint_partial_builder_free(bb);
  touchpoint_event_table_free(all);
  touchpoint_event_table_free(a);
  touchpoint_event_table_free(b);
  touchpoint_partial_spec_free(spec);
}

int main(int argc, char **argv) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/partial-XXXXXX", argc > 1 ? argv[1] : ".");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }

  /* the CRM's two shards, each customer in one of them */
  static row a[400], b[400];
  size_t na = shard_rows("a", 40, 1, a), nb = shard_rows("b", 25, 2, b);
  CHECK(na < 400 && nb < 400);

  /* one spec for every shard: the vocabulary of all touchpoints, four models, the order-1
   * graph (markov's) and order 2, the path table */
  const uint32_t orders[1] = {2};
  touchpoint_partial_spec *spec = NULL;
  CHECK_OK(touchpoint_partial_spec_new((const char *const *)VOCABULARY, N_VOCABULARY, NULL, 0, NULL, S(MODELS), NULL,
                                       orders, 1, 1, &spec));

  const size_t whole_a[2] = {0, na}, whole_b[2] = {0, nb};
  touchpoint_partial *pa = build(spec, a, whole_a, 1), *pb = build(spec, b, whole_b, 1);

  /* shard A in two batches, cut between two rows of one customer; and in batches of 3 rows */
  size_t cut = na / 2;
  while (strcmp(a[cut - 1].customer, a[cut].customer) != 0) cut++;
  const size_t two[3] = {0, cut, na};
  touchpoint_partial *pa2 = build(spec, a, two, 2);
  CHECK(same_bytes(pa, pa2));
  size_t small[400], k = 0;
  for (size_t i = 0; i < na; i += 3) small[k++] = i;
  small[k] = na;
  touchpoint_partial *pa3 = build(spec, a, small, k);
  CHECK(same_bytes(pa, pa3));

  /* A + B and B + A: the same bytes */
  touchpoint_partial *ab = NULL, *ba = NULL;
  CHECK_OK(touchpoint_partial_empty(spec, &ab));
  CHECK_OK(touchpoint_partial_merge(ab, pa));
  CHECK_OK(touchpoint_partial_merge(ab, pb));
  CHECK_OK(touchpoint_partial_empty(spec, &ba));
  CHECK_OK(touchpoint_partial_merge(ba, pb));
  CHECK_OK(touchpoint_partial_merge(ba, pa2));
  CHECK(same_bytes(ab, ba));
  uint64_t parts = 0;
  CHECK_OK(touchpoint_partial_parts(ab, &parts));
  CHECK(parts == 2);

  /* all the events on one machine */
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  push(ev, a, na);
  push(ev, b, nb);
  touchpoint_journeys *all = NULL;
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &all));

  same_attribution(ab, all);
  same_graph_paths_report(ab, all);
  saved(ab, spec, dir);
  if (argc > 2) { /* the shards' files for examples/merge_shards.c (make c-test) */
    char path[4096];
    snprintf(path, sizeof path, "%s/shard-a.tpp", argv[2]);
    CHECK_OK(touchpoint_partial_save(pa, path, strlen(path)));
    snprintf(path, sizeof path, "%s/shard-b.tpp", argv[2]);
    CHECK_OK(touchpoint_partial_save(pb, path, strlen(path)));
  }
  incompatible(ab, a, na);
  experience_of_shards();
  misuse(spec);
  null_arguments(spec, ab);

  touchpoint_journeys_free(all);
  touchpoint_event_table_free(ev);
  touchpoint_partial_free(ba);
  touchpoint_partial_free(ab);
  touchpoint_partial_free(pa3);
  touchpoint_partial_free(pa2);
  touchpoint_partial_free(pb);
  touchpoint_partial_free(pa);
  touchpoint_partial_spec_free(spec);
  rmdir(dir);
  if (failures) {
    fprintf(stderr, "partial: %d failures\n", failures);
    return 1;
  }
  printf("partial: two shards merged in both orders, bytes and files, batches, equal to one machine; "
         "incompatible specs and misuse passed\n");
  return 0;
}
