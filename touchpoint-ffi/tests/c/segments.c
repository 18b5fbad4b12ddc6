/* Bootstrap intervals, per-segment analyses and personas through the C API's JSON results:
 * intervals contain their estimates, segments add up to the whole, a segment comparison is
 * b - a, the top paths of a segment sum to its journeys, personas cover every customer; and
 * misuse (B = 0, unknown options, customers and segments, invalid UTF-8, NULL pointers). */
#include "check.h"

/* 13 customers, one journey each:
 *   north n1..n4: search > email > conversion; n5, n6: search
 *   south s1, s2: email > conversion; s3, s4: display > email; s5: display > conversion;
 *         s6: display
 *   x1 (no segment given): search > conversion
 * 8 conversions in 13 journeys. */
typedef struct {
  const char *customer;
  const char *touchpoint; /* NULL: a pure conversion */
  long long t;
} event;

static const event EVENTS[] = {
    {"n1", "search", 0}, {"n1", "email", 1}, {"n1", NULL, 2},     {"n2", "search", 0}, {"n2", "email", 1},
    {"n2", NULL, 2},     {"n3", "search", 0}, {"n3", "email", 1}, {"n3", NULL, 2},     {"n4", "search", 0},
    {"n4", "email", 1},  {"n4", NULL, 2},     {"n5", "search", 0}, {"n6", "search", 0}, {"s1", "email", 0},
    {"s1", NULL, 1},     {"s2", "email", 0},  {"s2", NULL, 1},     {"s3", "display", 0}, {"s3", "email", 1},
    {"s4", "display", 0}, {"s4", "email", 1}, {"s5", "display", 0}, {"s5", NULL, 1},    {"s6", "display", 0},
    {"x1", "search", 0}, {"x1", NULL, 1},
};
#define N_EVENTS (sizeof EVENTS / sizeof EVENTS[0])

static const char *const NAMES[] = {"n1", "n2", "n3", "n4", "n5", "n6", "s1", "s2", "s3", "s4", "s5", "s6"};
static const char *const LABELS[] = {"north", "north", "north", "north", "north", "north",
                                     "south", "south", "south", "south", "south", "south"};
#define N_PAIRS 12

/* The number after `"key": ` in [from, to) (NaN when absent or null). */
static double num_in(const char *from, const char *to, const char *key) {
  char pat[96];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *k = strstr(from, pat);
  if (!k || (to && k >= to)) return NAN;
  k += strlen(pat);
  if (strncmp(k, "null", 4) == 0) return NAN;
  return strtod(k, NULL);
}

/* The array that follows `"key": [` in json (start), and its end (one past the matching `]`). */
static const char *array_of(const char *json, const char *key, const char **end) {
  char pat[96];
  snprintf(pat, sizeof pat, "\"%s\": [", key);
  const char *a = strstr(json, pat);
  if (!a) {
    *end = NULL;
    return NULL;
  }
  a += strlen(pat) - 1;
  int depth = 0;
  for (const char *p = a; *p; p++) {
    if (*p == '[') depth++;
    if (*p == ']' && --depth == 0) {
      *end = p + 1;
      return a;
    }
  }
  *end = NULL;
  return NULL;
}

/* Calls `f` on each flat object `{...}` in [from, to) that contains every string of `match`
 * (NULL-terminated); returns how many there were. */
typedef void (*row_fn)(const char *obj, const char *obj_end, void *ctx);
static int each_row(const char *from, const char *to, const char *const *match, row_fn f, void *ctx) {
  int n = 0;
  for (const char *p = from; p && p < to && (p = strchr(p, '{')) && p < to;) {
    const char *e = strchr(p, '}');
    if (!e) break;
    int ok = 1;
    for (const char *const *m = match; m && *m; m++) {
      const char *hit = strstr(p, *m);
      if (!hit || hit > e) ok = 0;
    }
    if (ok) {
      n++;
      if (f) f(p, e, ctx);
    }
    p = e + 1;
  }
  return n;
}

typedef struct {
  const char *key;
  double sum;
} summing;

static void add(const char *obj, const char *end, void *ctx) {
  summing *s = ctx;
  s->sum += num_in(obj, end, s->key);
}

/* The sum of `key` over the objects of the array `array` that contain every `match` string. */
static double sum_of(const char *json, const char *array, const char *const *match, const char *key) {
  const char *end = NULL;
  const char *a = array_of(json, array, &end);
  if (!a) return NAN;
  summing s = {key, 0.0};
  each_row(a, end, match, add, &s);
  return s.sum;
}

typedef struct {
  const char *estimate;
  int rows, bad;
} bracketing;

/* lower <= estimate <= upper (with a little slack for the solver's rounding), both present. */
static void brackets(const char *obj, const char *end, void *ctx) {
  bracketing *b = ctx;
  double est = num_in(obj, end, b->estimate), lo = num_in(obj, end, "lower"), hi = num_in(obj, end, "upper");
  b->rows++;
  if (!(lo <= est + 1e-9 && est <= hi + 1e-9)) {
    b->bad++;
    fprintf(stderr, "    interval [%g, %g] does not contain %g: %.*s\n", lo, hi, est, (int)(end - obj + 1), obj);
  }
}

/* Every object of every array `array` in json (one per model, say) has its estimate within
 * [lower, upper]; returns the rows checked. */
static int check_brackets(const char *json, const char *array, const char *estimate) {
  bracketing b = {estimate, 0, 0};
  const char *at = json, *end = NULL;
  const char *a;
  while ((a = array_of(at, array, &end)) != NULL) {
    each_row(a, end, NULL, brackets, &b);
    at = end;
  }
  if (b.bad) {
    fprintf(stderr, "%d of %d rows have their estimate outside the interval\n", b.bad, b.rows);
    failures++;
  }
  return b.rows;
}

static touchpoint_event_table *events(void) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  for (size_t i = 0; i < N_EVENTS; i++) {
    const event *e = &EVENTS[i];
    bool conv = e->touchpoint == NULL;
    CHECK_OK(touchpoint_event_table_push(ev, e->customer, strlen(e->customer), e->touchpoint,
                                         e->touchpoint ? strlen(e->touchpoint) : 0, e->t * 3600000LL, conv,
                                         conv ? 10.0 : 0.0, NAN));
  }
  return ev;
}

static void intervals(const touchpoint_journeys *js, const touchpoint_path_table *paths) {
  const char *opts = "{\"models\": [\"markov\", \"linear\"], \"bootstrap\": 100, \"seed\": 3}";
  char *json = NULL;
  CHECK_OK(touchpoint_attribute_journeys_intervals_json(js, opts, strlen(opts), &json));
  CHECK(strstr(json, "\"model\": \"markov_1\"") != NULL);
  CHECK(strstr(json, "\"model\": \"linear\"") != NULL);
  CHECK(check_brackets(json, "rows", "conversions") == 6); /* 3 touchpoints x 2 models */
  /* Markov credit is efficient: the first model's rows sum to the 8 conversions */
  CHECK_NEAR(sum_of(json, "rows", NULL, "conversions"), 8, 1e-9);
  CHECK_NEAR(num_in(json, NULL, "total_conversions"), 8, 0);
  CHECK(strstr(json, "percentile intervals") != NULL);
  touchpoint_string_free(json);

  /* the same on the path table; no bootstrap key: 200 resamples */
  json = NULL;
  CHECK_OK(touchpoint_attribute_paths_intervals_json(paths, NULL, 0, &json));
  CHECK(check_brackets(json, "rows", "conversions") == 3);
  CHECK(strstr(json, "200 resamples") != NULL);
  touchpoint_string_free(json);

  /* the graph: P(conversion) = 8/13 (the chain is exact), within its interval */
  json = NULL;
  const char *g = "{\"bootstrap\": 100}";
  CHECK_OK(touchpoint_graph_intervals_json(js, g, strlen(g), &json));
  const char *start = strstr(json, "\"item\": \"(start)\"");
  CHECK(start != NULL);
  if (start) CHECK_NEAR(num_in(start, NULL, "estimate"), 8.0 / 13.0, 1e-9);
  CHECK(check_brackets(json, "rows", "estimate") >= 4);
  touchpoint_string_free(json);
  json = NULL;
  CHECK_OK(touchpoint_graph_paths_intervals_json(paths, g, strlen(g), &json));
  start = strstr(json, "\"item\": \"(start)\"");
  if (start) CHECK_NEAR(num_in(start, NULL, "estimate"), 8.0 / 13.0, 1e-9);
  CHECK(check_brackets(json, "rows", "estimate") >= 4);
  touchpoint_string_free(json);

  /* B = 0 is an error naming the bootstrap, out_json untouched */
  json = NULL;
  const char *zero = "{\"bootstrap\": 0}";
  CHECK_CODE(touchpoint_attribute_journeys_intervals_json(js, zero, strlen(zero), &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("bootstrap");
  CHECK(json == NULL);
  CHECK_CODE(touchpoint_graph_intervals_json(js, zero, strlen(zero), &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("bootstrap");
  const char *typo = "{\"bootstarp\": 10}";
  CHECK_CODE(touchpoint_attribute_paths_intervals_json(paths, typo, strlen(typo), &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("bootstarp");
  const char *ci = "{\"ci\": 1.5}";
  CHECK_CODE(touchpoint_graph_paths_intervals_json(paths, ci, strlen(ci), &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("ci");
  const char *model = "{\"models\": [\"magic\"]}";
  CHECK_CODE(touchpoint_attribute_journeys_intervals_json(js, model, strlen(model), &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("magic");
  CHECK(json == NULL);

  /* NULL handles and outputs */
  CHECK_CODE(touchpoint_attribute_journeys_intervals_json(NULL, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("journeys");
  CHECK_CODE(touchpoint_attribute_journeys_intervals_json(js, NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("out_json");
  CHECK_CODE(touchpoint_attribute_paths_intervals_json(NULL, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_graph_intervals_json(NULL, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_graph_paths_intervals_json(NULL, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_graph_intervals_json(js, "{}", 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(json == NULL);
}

static void by_segment(const touchpoint_journeys *js) {
  const char *opts = "{\"models\": [\"linear\"], \"bootstrap\": 50, \"seed\": 1}";
  char *json = NULL;
  CHECK_OK(touchpoint_attribution_by_segment_json(js, NAMES, LABELS, N_PAIRS, opts, strlen(opts), &json));
  /* linear credit per segment sums to the segment's conversions, and the segments to all 8 */
  const char *const north[] = {"\"segment\": \"north\"", NULL};
  const char *const south[] = {"\"segment\": \"south\"", NULL};
  const char *const missing[] = {"\"segment\": \"(missing)\"", NULL};
  CHECK_NEAR(sum_of(json, "rows", north, "conversions"), 4, 1e-9);
  CHECK_NEAR(sum_of(json, "rows", south, "conversions"), 3, 1e-9);
  CHECK_NEAR(sum_of(json, "rows", missing, "conversions"), 1, 1e-9);
  CHECK_NEAR(sum_of(json, "rows", NULL, "conversions"), 8, 1e-9);
  CHECK_NEAR(sum_of(json, "segments", NULL, "journeys"), 13, 0);
  CHECK(check_brackets(json, "rows", "conversions") == 9); /* 3 segments x 3 touchpoints */
  /* every pair of the three segments is compared: north/south, north/(missing), south/(missing) */
  const char *const pair[] = {"\"segment_a\": \"north\"", "\"segment_b\": \"south\"", "\"item\": \"email\"", NULL};
  const char *end = NULL;
  const char *cmp = array_of(json, "compare", &end);
  CHECK(cmp != NULL && each_row(cmp, end, pair, NULL, NULL) == 1);
  CHECK(cmp != NULL && each_row(cmp, end, NULL, NULL, NULL) == 9);
  touchpoint_string_free(json);

  /* two segments compared: email's share of linear credit is 1/2 in north, 2/3 in south */
  json = NULL;
  CHECK_OK(touchpoint_attribution_segment_compare_json(js, NAMES, LABELS, N_PAIRS, S("north"), S("south"), opts,
                                                       strlen(opts), &json));
  const char *email = strstr(json, "\"item\": \"email\"");
  CHECK(email != NULL);
  if (email) {
    CHECK_NEAR(num_in(email, NULL, "a"), 0.5, 1e-12);
    CHECK_NEAR(num_in(email, NULL, "b"), 2.0 / 3.0, 1e-12);
    CHECK_NEAR(num_in(email, NULL, "difference"), 2.0 / 3.0 - 0.5, 1e-12);
    double lo = num_in(email, NULL, "difference_lower"), hi = num_in(email, NULL, "difference_upper");
    double p = num_in(email, NULL, "p_value");
    CHECK(lo <= hi);
    CHECK(p > 0 && p <= 1);
  }
  touchpoint_string_free(json);
  json = NULL;
  CHECK_CODE(touchpoint_attribution_segment_compare_json(js, NAMES, LABELS, N_PAIRS, S("north"), S("west"), NULL, 0,
                                                         &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("west");
  CHECK(json == NULL);

  /* the graph per segment, no bootstrap: P(conversion) 4/6 and 3/6, no interval columns */
  CHECK_OK(touchpoint_graph_by_segment_json(js, NAMES, LABELS, N_PAIRS, NULL, 0, &json));
  const char *const pn[] = {"\"segment\": \"north\"", "\"item\": \"(start)\"", NULL};
  const char *const ps[] = {"\"segment\": \"south\"", "\"item\": \"(start)\"", NULL};
  CHECK_NEAR(sum_of(json, "rows", pn, "estimate"), 4.0 / 6.0, 1e-9);
  CHECK_NEAR(sum_of(json, "rows", ps, "estimate"), 3.0 / 6.0, 1e-9);
  CHECK(strstr(json, "\"lower\"") == NULL);
  CHECK(strstr(json, "\"bootstrap\": null") != NULL);
  const char *const pc[] = {"\"segment_a\": \"north\"", "\"segment_b\": \"south\"",
                            "\"metric\": \"conversion_probability\"", NULL};
  CHECK_NEAR(sum_of(json, "compare", pc, "difference"), 3.0 / 6.0 - 4.0 / 6.0, 1e-9);
  touchpoint_string_free(json);
  /* ... and with a bootstrap, every figure within its interval */
  json = NULL;
  const char *boot = "{\"bootstrap\": 40}";
  CHECK_OK(touchpoint_graph_by_segment_json(js, NAMES, LABELS, N_PAIRS, boot, strlen(boot), &json));
  CHECK(check_brackets(json, "rows", "estimate") > 0);
  touchpoint_string_free(json);

  /* top paths: north's top path is search > email (4 journeys), the remainder holds the 2
   * others; a segment's rows sum to its journeys and conversions */
  json = NULL;
  const char *top = "{\"top\": 1, \"rank\": \"conversions\"}";
  CHECK_OK(touchpoint_top_paths_by_segment_json(js, NAMES, LABELS, N_PAIRS, top, strlen(top), &json));
  const char *const north_top[] = {"\"segment\": \"north\"", "\"path\": \"search > email\"", NULL};
  {
    /* the result is a bare array: wrap the search in it */
    const char *a = strchr(json, '['), *e = strrchr(json, ']');
    summing s = {"journeys", 0};
    CHECK(each_row(a, e, north_top, add, &s) == 1);
    CHECK_NEAR(s.sum, 4, 0);
    s.sum = 0;
    CHECK(each_row(a, e, north, add, &s) == 2);
    CHECK_NEAR(s.sum, 6, 0);
    summing c = {"conversions", 0};
    each_row(a, e, south, add, &c);
    CHECK_NEAR(c.sum, 3, 0);
    summing all = {"journeys", 0};
    each_row(a, e, NULL, add, &all);
    CHECK_NEAR(all.sum, 13, 0);
  }
  touchpoint_string_free(json);

  /* no pairs at all (NULL arrays, 0): everybody is in (missing) */
  json = NULL;
  CHECK_OK(touchpoint_top_paths_by_segment_json(js, NULL, NULL, 0, NULL, 0, &json));
  CHECK(strstr(json, "\"segment\": \"(missing)\"") != NULL && strstr(json, "north") == NULL);
  touchpoint_string_free(json);
}

/* The personas' assignments back as segments: linear credit per persona sums to all 8
 * conversions over the 13 journeys, and nobody is left in (missing). */
static void round_trip(const touchpoint_journeys *js, const char *personas_json) {
  char names[16][16], labels[16][16];
  const char *np[16], *lp[16];
  size_t n = 0;
  const char *end = NULL;
  const char *p = array_of(personas_json, "assignments", &end);
  while (p && n < 16 && (p = strstr(p, "\"customer\": \"")) != NULL && p < end) {
    const char *q = strstr(p, "\"persona\": \"");
    if (!q || sscanf(p, "\"customer\": \"%15[^\"]\"", names[n]) != 1 ||
        sscanf(q, "\"persona\": \"%15[^\"]\"", labels[n]) != 1) {
      break;
    }
    np[n] = names[n];
    lp[n] = labels[n];
    n++;
    p = q;
  }
  CHECK(n == 13);
  char *json = NULL;
  const char *opts = "{\"models\": [\"linear\"]}";
  CHECK_OK(touchpoint_attribution_by_segment_json(js, np, lp, n, opts, strlen(opts), &json));
  CHECK_NEAR(sum_of(json, "rows", NULL, "conversions"), 8, 1e-9);
  const char *const p1[] = {"\"segment\": \"persona 1\"", NULL};
  CHECK(sum_of(json, "rows", p1, "touches") > 0);
  CHECK(strstr(json, "(missing)") == NULL);
  touchpoint_string_free(json);
}

static void personas(const touchpoint_journeys *js) {
  const char *opts = "{\"persona\": {\"k\": 2, \"seed\": 5}}";
  char *json = NULL;
  CHECK_OK(touchpoint_personas_json(js, opts, strlen(opts), &json));
  CHECK_NEAR(num_in(json, NULL, "k"), 2, 0);
  CHECK_NEAR(num_in(json, NULL, "customers_without_journeys"), 0, 0);
  CHECK_NEAR(sum_of(json, "rows", NULL, "customers"), 13, 0);
  CHECK_NEAR(sum_of(json, "rows", NULL, "journeys"), 13, 0);
  CHECK_NEAR(sum_of(json, "rows", NULL, "conversions"), 8, 1e-9);
  const char *end = NULL;
  const char *a = array_of(json, "assignments", &end);
  CHECK(a != NULL && each_row(a, end, NULL, NULL, NULL) == 13);
  const char *const n1[] = {"\"customer\": \"n1\"", NULL};
  CHECK(a != NULL && each_row(a, end, n1, NULL, NULL) == 1);
  const char *const p1[] = {"\"persona\": \"persona 1\"", NULL};
  const char *const p2[] = {"\"persona\": \"persona 2\"", NULL};
  int in1 = a ? each_row(a, end, p1, NULL, NULL) : 0, in2 = a ? each_row(a, end, p2, NULL, NULL) : 0;
  CHECK(in1 + in2 == 13 && in1 >= in2 && in2 > 0);
  /* the silhouette of k = 2: [[2, s]] with s in [-1, 1] */
  const char *sil = strstr(json, "\"silhouette\": [");
  CHECK(sil != NULL);
  if (sil) {
    const char *two = strchr(sil, '2'), *comma = two ? strchr(two, ',') : NULL;
    double s = comma ? strtod(comma + 1, NULL) : NAN;
    CHECK(s >= -1 && s <= 1);
  }

  /* the assignments are segments: passed back, the personas' attribution covers everyone */
  round_trip(js, json);
  touchpoint_string_free(json);

  json = NULL;
  const char *k0 = "{\"persona\": {\"k\": 0}}";
  CHECK_CODE(touchpoint_personas_json(js, k0, strlen(k0), &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("`k`");
  const char *unknown = "{\"persona\": {\"clusters\": 3}}";
  CHECK_CODE(touchpoint_personas_json(js, unknown, strlen(unknown), &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("clusters");
  CHECK_CODE(touchpoint_personas_json(NULL, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_personas_json(js, NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(json == NULL);
}

static void misuse(const touchpoint_journeys *js) {
  char *json = NULL;
  /* a name that is no customer */
  const char *const zed[] = {"n1", "zed"};
  const char *const two[] = {"north", "south"};
  CHECK_CODE(touchpoint_attribution_by_segment_json(js, zed, two, 2, NULL, 0, &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("zed");
  EXPECT_MESSAGE("customer_names");
  /* one customer, two labels */
  const char *const twice[] = {"n1", "n1"};
  CHECK_CODE(touchpoint_graph_by_segment_json(js, twice, two, 2, NULL, 0, &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("two labels");
  /* invalid UTF-8, named with its index */
  const char *const bad[] = {"n1", "\xff\xfe"};
  CHECK_CODE(touchpoint_top_paths_by_segment_json(js, bad, two, 2, NULL, 0, &json), TOUCHPOINT_RESULT_INVALID_UTF8);
  EXPECT_MESSAGE("customer_names[1]");
  const char *const bad_label[] = {"north", "\xc3"};
  CHECK_CODE(touchpoint_top_paths_by_segment_json(js, NAMES, bad_label, 2, NULL, 0, &json),
             TOUCHPOINT_RESULT_INVALID_UTF8);
  EXPECT_MESSAGE("segment_labels[1]");
  /* NULL arrays with pairs, a NULL name; a NULL label leaves the customer in (missing) */
  CHECK_CODE(touchpoint_attribution_by_segment_json(js, NULL, two, 2, NULL, 0, &json),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("customer_names");
  CHECK_CODE(touchpoint_attribution_by_segment_json(js, NAMES, NULL, 2, NULL, 0, &json),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("segment_labels");
  const char *const null_name[] = {"n1", NULL};
  CHECK_CODE(touchpoint_graph_by_segment_json(js, null_name, two, 2, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("customer_names[1]");
  const char *const null_label[] = {"north", NULL};
  CHECK_OK(touchpoint_top_paths_by_segment_json(js, NAMES, null_label, 2, NULL, 0, &json));
  CHECK(strstr(json, "\"segment\": \"north\"") != NULL);
  touchpoint_string_free(json);
  json = NULL;
  CHECK_CODE(touchpoint_attribution_by_segment_json(NULL, NAMES, LABELS, N_PAIRS, NULL, 0, &json),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_attribution_segment_compare_json(js, NAMES, LABELS, N_PAIRS, NULL, 0, S("south"), NULL, 0,
                                                         &json),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("segment_a");
  CHECK_CODE(touchpoint_top_paths_by_segment_json(js, NAMES, LABELS, N_PAIRS, NULL, 0, NULL),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  /* a B = 0 bootstrap per segment */
  const char *zero = "{\"bootstrap\": 0}";
  CHECK_CODE(touchpoint_attribution_by_segment_json(js, NAMES, LABELS, N_PAIRS, zero, strlen(zero), &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("bootstrap");
  CHECK(json == NULL);
}

int main(void) {
  touchpoint_event_table *ev = events();
  touchpoint_journeys *js = NULL;
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &js));
  touchpoint_path_table *paths = NULL;
  CHECK_OK(touchpoint_path_table_from_journeys(js, &paths));
  intervals(js, paths);
  by_segment(js);
  personas(js);
  misuse(js);
  touchpoint_path_table_free(paths);
  touchpoint_journeys_free(js);
  touchpoint_event_table_free(ev);
  if (failures) {
    fprintf(stderr, "segments: %d checks failed\n", failures);
    return 1;
  }
  printf("segments: ok\n");
  return 0;
}
