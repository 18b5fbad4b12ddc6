/* The CRM jobs through the C API: saved models (files and bytes, damaged files), a nightly
 * increment equal to a rebuild, and batch scoring of open journeys, on a small example whose
 * numbers are worked out by hand in the comments. */
#include "check.h"

/* Whole text of a text export into a new malloc'd buffer (size query first). */
#define TEXT_OF(var, fn, ...)                                                  \
  do {                                                                         \
    size_t n_ = 0;                                                             \
    CHECK_CODE(fn(__VA_ARGS__, NULL, 0, &n_), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL); \
    var = malloc(n_ + 1);                                                      \
    CHECK_OK(fn(__VA_ARGS__, var, n_ + 1, &n_));                               \
  } while (0)

static char dir_path[2048];
static const char *in_dir(const char *name) {
  static char paths[8][4096];
  static int next = 0;
  char *p = paths[next++ % 8];
  snprintf(p, 4096, "%s/%s", dir_path, name);
  return p;
}

typedef struct {
  const char *customer;
  const char *touchpoint; /* NULL: a conversion */
  int64_t time;
  double value;
} row;

/* Day 1 (t < 100) and day 2 (t >= 100). Journeys of all the events:
 *   ann: search > email (converts, 50) | app > email (converts on day 2, 30)
 *   bob: email > app > search (open)     cem: search (open)
 *   dan: search (converts, 20) | email (day 2, open)
 *   eve: app > email (new on day 2, open) fay: search (new on day 2, converts, 10) */
static const row day1[] = {
    {"ann", "search", 1, 0}, {"ann", "email", 2, 0}, {"ann", NULL, 3, 50}, {"ann", "app", 4, 0},
    {"bob", "email", 5, 0},  {"bob", "app", 6, 0},   {"cem", "search", 7, 0}, {"dan", "search", 8, 0},
    {"dan", NULL, 9, 20},
};
static const row day2[] = {
    {"ann", "email", 101, 0}, {"ann", NULL, 102, 30}, {"bob", "search", 103, 0}, {"eve", "app", 104, 0},
    {"eve", "email", 105, 0}, {"fay", "search", 106, 0}, {"fay", NULL, 107, 10},  {"dan", "email", 108, 0},
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void push(touchpoint_event_table *ev, const row *rows, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const row *r = &rows[i];
    CHECK_OK(touchpoint_event_table_push(ev, r->customer, strlen(r->customer), r->touchpoint,
                                         r->touchpoint ? strlen(r->touchpoint) : 0, r->time, r->touchpoint == NULL,
                                         r->value, NAN));
  }
}

static void write_csv(const char *path, const row *rows, size_t n) {
  FILE *f = fopen(path, "w");
  fputs("customer_id,touchpoint,timestamp,converted,value\n", f);
  for (size_t i = 0; i < n; i++) {
    fprintf(f, "%s,%s,%lld,%d,%g\n", rows[i].customer, rows[i].touchpoint ? rows[i].touchpoint : "",
            (long long)rows[i].time, rows[i].touchpoint == NULL, rows[i].value);
  }
  fclose(f);
}

static unsigned char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*n);
  CHECK(fread(b, 1, *n, f) == *n);
  fclose(f);
  return b;
}

static void write_all(const char *path, const unsigned char *b, size_t n) {
  FILE *f = fopen(path, "wb");
  fwrite(b, 1, n, f);
  fclose(f);
}

/* Summary and transitions JSON of a graph, concatenated. */
static char *graph_text(const touchpoint_journey_graph *g) {
  char *a, *b;
  TEXT_OF(a, touchpoint_journey_graph_summary_json, g);
  TEXT_OF(b, touchpoint_journey_graph_transitions_json, g);
  char *out = malloc(strlen(a) + strlen(b) + 2);
  sprintf(out, "%s\n%s", a, b);
  free(a);
  free(b);
  return out;
}

/* A graph, saved and loaded through a file and through bytes, answers the same. */
static void saved_graphs(const touchpoint_journeys *j) {
  for (uint32_t order = 1; order <= 2; order++) {
    touchpoint_journey_graph *g = NULL, *from_file = NULL, *from_bytes = NULL;
    CHECK_OK(touchpoint_journey_graph_from_journeys(j, order, &g));
    const char *path = in_dir("crm_graph.tpm");
    CHECK_OK(touchpoint_journey_graph_save(g, path, strlen(path)));
    CHECK_OK(touchpoint_journey_graph_load(path, strlen(path), &from_file));
    CHECK_CODE(touchpoint_journey_graph_load(path, strlen(path), NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
    EXPECT_MESSAGE("`out`");
    size_t n = 0;
    CHECK_CODE(touchpoint_journey_graph_to_bytes(g, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
    unsigned char *bytes = malloc(n);
    size_t m = 0;
    CHECK_CODE(touchpoint_journey_graph_to_bytes(g, bytes, n - 1, &m), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
    CHECK(m == n);
    CHECK_OK(touchpoint_journey_graph_to_bytes(g, bytes, n, &m)); /* an exact fit: no NUL is added */
    CHECK(m == n);
    CHECK_OK(touchpoint_journey_graph_from_bytes(bytes, n, &from_bytes));
    size_t file_n = 0;
    unsigned char *file = read_all(path, &file_n);
    CHECK(file_n == n && memcmp(file, bytes, n) == 0);
    char *want = graph_text(g), *got_file = graph_text(from_file), *got_bytes = graph_text(from_bytes);
    CHECK(strcmp(want, got_file) == 0);
    CHECK(strcmp(want, got_bytes) == 0);
    CHECK(strstr(want, order == 1 ? "\"order\": 1" : "\"order\": 2") != NULL);

    /* the header: kind, version, size */
    char info[1024];
    CHECK_OK(touchpoint_model_info_json(bytes, n, info, sizeof info, &m));
    CHECK(strstr(info, "\"kind\": \"journey_graph\"") != NULL && strstr(info, "\"format_version\": 1") != NULL);
    char size[64];
    snprintf(size, sizeof size, "\"bytes\": %zu", n);
    CHECK(strstr(info, size) != NULL);
    CHECK_OK(touchpoint_model_file_info_json(path, strlen(path), info, sizeof info, &m));
    CHECK(strstr(info, "journey_graph") != NULL);

    /* one byte flipped: damaged; cut short: truncated; never a different model */
    touchpoint_journey_graph *bad = NULL;
    const char *bad_path = in_dir("crm_bad.tpm");
    file[40] ^= 0xff;
    write_all(bad_path, file, n);
    CHECK_CODE(touchpoint_journey_graph_load(bad_path, strlen(bad_path), &bad), TOUCHPOINT_RESULT_MODEL_FILE);
    EXPECT_MESSAGE("damaged");
    CHECK_CODE(touchpoint_journey_graph_from_bytes(file, n, &bad), TOUCHPOINT_RESULT_MODEL_FILE);
    EXPECT_MESSAGE("damaged");
    CHECK_CODE(touchpoint_model_file_info_json(bad_path, strlen(bad_path), info, sizeof info, &m),
               TOUCHPOINT_RESULT_MODEL_FILE);
    file[40] ^= 0xff;
    write_all(bad_path, file, n / 2);
    CHECK_CODE(touchpoint_journey_graph_load(bad_path, strlen(bad_path), &bad), TOUCHPOINT_RESULT_MODEL_FILE);
    EXPECT_MESSAGE("truncated");
    CHECK_CODE(touchpoint_journey_graph_from_bytes(bytes, n - 1, &bad), TOUCHPOINT_RESULT_MODEL_FILE);
    EXPECT_MESSAGE("truncated");
    CHECK(bad == NULL);
    remove(bad_path);
    remove(path);
    free(file);
    free(want);
    free(got_file);
    free(got_bytes);
    free(bytes);
    touchpoint_journey_graph_free(from_bytes);
    touchpoint_journey_graph_free(from_file);
    touchpoint_journey_graph_free(g);
  }
}

/* Attribution results through a file and bytes: identical JSON. */
static void saved_comparison(const touchpoint_journeys *j) {
  touchpoint_comparison *c = NULL, *from_file = NULL, *from_bytes = NULL;
  CHECK_OK(touchpoint_attribute_journeys(j, S("linear,markov,shapley"), NULL, &c));
  const char *path = in_dir("crm_credits.tpm");
  CHECK_OK(touchpoint_comparison_save(c, path, strlen(path)));
  CHECK_OK(touchpoint_comparison_load(path, strlen(path), &from_file));
  size_t n = 0, m = 0;
  CHECK_CODE(touchpoint_comparison_to_bytes(c, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  unsigned char *bytes = malloc(n);
  CHECK_OK(touchpoint_comparison_to_bytes(c, bytes, n, &m));
  CHECK_OK(touchpoint_comparison_from_bytes(bytes, n, &from_bytes));
  char *want, *got_file, *got_bytes;
  TEXT_OF(want, touchpoint_comparison_to_json, c);
  TEXT_OF(got_file, touchpoint_comparison_to_json, from_file);
  TEXT_OF(got_bytes, touchpoint_comparison_to_json, from_bytes);
  CHECK(strcmp(want, got_file) == 0 && strcmp(want, got_bytes) == 0);
  char info[1024];
  CHECK_OK(touchpoint_model_info_json(bytes, n, info, sizeof info, &m));
  CHECK(strstr(info, "\"kind\": \"attribution\"") != NULL);
  /* a comparison file is not a graph */
  touchpoint_journey_graph *g = NULL;
  CHECK_CODE(touchpoint_journey_graph_load(path, strlen(path), &g), TOUCHPOINT_RESULT_MODEL_FILE);
  EXPECT_MESSAGE("not journey graph");
  remove(path);
  free(want);
  free(got_file);
  free(got_bytes);
  free(bytes);
  touchpoint_comparison_free(from_bytes);
  touchpoint_comparison_free(from_file);
  touchpoint_comparison_free(c);
}

/* Day 1 built, saved and loaded, day 2 appended: the journeys of all the events. */
static void increment(const touchpoint_journeys *all) {
  touchpoint_event_table *ev1 = NULL, *ev2 = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev1));
  push(ev1, day1, N(day1));
  const char *csv = in_dir("crm_day2.csv");
  write_csv(csv, day2, N(day2));
  CHECK_OK(touchpoint_event_table_read_csv(csv, strlen(csv), NULL, &ev2));
  touchpoint_journeys *j1 = NULL, *loaded = NULL, *j2 = NULL, *from_bytes = NULL;
  CHECK_OK(touchpoint_journeys_build(ev1, NULL, &j1));
  const char *path = in_dir("crm_journeys.tpm");
  CHECK_OK(touchpoint_journeys_save(j1, path, strlen(path)));
  CHECK_OK(touchpoint_journeys_load(path, strlen(path), &loaded));
  /* the loaded journeys carry the report of the build */
  char *built_rep, *loaded_rep;
  TEXT_OF(built_rep, touchpoint_journeys_report_json, j1);
  TEXT_OF(loaded_rep, touchpoint_journeys_report_json, loaded);
  CHECK(strcmp(built_rep, loaded_rep) == 0);
  free(built_rep);
  free(loaded_rep);
  char info[1024];
  size_t m = 0;
  CHECK_OK(touchpoint_model_file_info_json(path, strlen(path), info, sizeof info, &m));
  CHECK(strstr(info, "\"kind\": \"journeys\"") != NULL);
  /* a journeys file given to the graph loader */
  touchpoint_journey_graph *wrong = NULL;
  CHECK_CODE(touchpoint_journey_graph_load(path, strlen(path), &wrong), TOUCHPOINT_RESULT_MODEL_FILE);
  EXPECT_MESSAGE("holds journeys");
  CHECK(wrong == NULL);

  touchpoint_append_report added;
  memset(&added, 0xab, sizeof added);
  CHECK_OK(touchpoint_journeys_append(loaded, ev2, &j2, &added));
  /* 8 rows; ann, bob and dan continue, eve and fay are new; ann's open app journey closes with
   * a conversion (fay's converting journey is new, not a closed open one); nothing is older
   * than what it continues */
  CHECK(added.events_in == 8);
  CHECK(added.customers_continued == 3);
  CHECK(added.customers_new == 2);
  CHECK(added.journeys_closed == 1);
  CHECK(added.late_events == 0);
  touchpoint_journey_report rep;
  CHECK_OK(touchpoint_journeys_report(j2, &rep));
  CHECK(rep.events_in == 17 && rep.customers == 6);
  CHECK(rep.journeys_converting == 4 && rep.journeys_non_converting == 4 && rep.touches_kept == 13);
  /* the input is unchanged: still day 1's 2 + 3 journeys */
  CHECK_OK(touchpoint_journeys_report(loaded, &rep));
  CHECK(rep.events_in == 9 && rep.journeys_converting == 2 && rep.journeys_non_converting == 3);
  /* the report of the whole set is the rebuild's */
  char *want_rep, *got_rep;
  TEXT_OF(want_rep, touchpoint_journeys_report_json, all);
  TEXT_OF(got_rep, touchpoint_journeys_report_json, j2);
  CHECK(strcmp(want_rep, got_rep) == 0);
  free(want_rep);
  free(got_rep);

  /* graphs of the appended journeys equal those of all events, also through bytes */
  size_t n = 0;
  CHECK_CODE(touchpoint_journeys_to_bytes(j2, NULL, 0, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  unsigned char *bytes = malloc(n);
  CHECK_OK(touchpoint_journeys_to_bytes(j2, bytes, n, &m));
  CHECK_OK(touchpoint_journeys_from_bytes(bytes, n, &from_bytes));
  for (uint32_t order = 1; order <= 2; order++) {
    touchpoint_journey_graph *a = NULL, *b = NULL, *c = NULL;
    CHECK_OK(touchpoint_journey_graph_from_journeys(all, order, &a));
    CHECK_OK(touchpoint_journey_graph_from_journeys(j2, order, &b));
    CHECK_OK(touchpoint_journey_graph_from_journeys(from_bytes, order, &c));
    char *ta = graph_text(a), *tb = graph_text(b), *tc = graph_text(c);
    CHECK(strcmp(ta, tb) == 0 && strcmp(ta, tc) == 0);
    free(ta);
    free(tb);
    free(tc);
    touchpoint_journey_graph_free(a);
    touchpoint_journey_graph_free(b);
    touchpoint_journey_graph_free(c);
  }

  /* merged journeys carry no open tails */
  touchpoint_journeys *merged = NULL, *none = NULL;
  CHECK_OK(touchpoint_journeys_merge(j1, j1, &merged));
  CHECK_CODE(touchpoint_journeys_append(merged, ev2, &none, NULL), TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE);
  EXPECT_MESSAGE("Journeys::build");
  CHECK(none == NULL);
  CHECK_CODE(touchpoint_journeys_append(NULL, ev2, &none, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journeys_append(j1, NULL, &none, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journeys_append(j1, ev2, NULL, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("out_journeys");
  CHECK_CODE(touchpoint_journeys_from_bytes(bytes, n - 8, &none), TOUCHPOINT_RESULT_MODEL_FILE);
  CHECK_CODE(touchpoint_journeys_from_bytes(NULL, 0, &none), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(none == NULL);
  const char *missing = in_dir("crm_missing.tpm");
  CHECK_CODE(touchpoint_journeys_load(missing, strlen(missing), &none), TOUCHPOINT_RESULT_IO);
  EXPECT_MESSAGE("crm_missing.tpm");

  remove(path);
  remove(csv);
  free(bytes);
  touchpoint_journeys_free(merged);
  touchpoint_journeys_free(from_bytes);
  touchpoint_journeys_free(j2);
  touchpoint_journeys_free(loaded);
  touchpoint_journeys_free(j1);
  touchpoint_event_table_free(ev2);
  touchpoint_event_table_free(ev1);
}

/* The number after `"key": ` following `after` in a JSON text. */
static double number_after(const char *json, const char *after, const char *key) {
  const char *p = strstr(json, after);
  if (p == NULL) return NAN;
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  p = strstr(p, pat);
  return p ? strtod(p + strlen(pat), NULL) : NAN;
}

/* The touchpoint of the first row with "observed": true of a next_best JSON. */
static void first_observed(const char *json, char *out, size_t cap) {
  out[0] = 0;
  for (const char *p = strstr(json, "\"touchpoint\": \""); p; p = strstr(p + 1, "\"touchpoint\": \"")) {
    const char *end = strchr(p, '}');
    const char *obs = strstr(p, "\"observed\": true");
    if (obs && obs < end) {
      p += strlen("\"touchpoint\": \"");
      size_t n = (size_t)(strchr(p, '"') - p);
      snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
      return;
    }
  }
}

/* Scoring the hand-built open customers against the order-2 graph of all events. A state is
 * the window of the last 2 touches (the whole journey when it is shorter), so the 8 journeys
 * give (search > email: 1 journey, app > email: 2, email > app: 1, search: 3, email: 1 from the
 * start):
 *   search > email -> conversion (50)                        P = 1,   value 50
 *   app > email    -> conversion (30) 1, drop-off 1          P = 1/2, value 15
 *   email > app -> app > search -> drop-off; email -> drop-off P = 0
 *   search         -> conversion (20, 10) 2, drop-off 1      P = 2/3, value 10
 *   start: (1 + 2 * 1/2 + 3 * 2/3) / 8                       P = 1/2 */
static void scoring(const touchpoint_journeys *all) {
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_journeys(all, 2, &g));
  touchpoint_candidate cands[3] = {{"email", 5, 1.0}, {"app", 3, 2.0}, {"search", 6, 0.0}};
  touchpoint_scorer *scorer = NULL;
  CHECK_CODE(touchpoint_scorer_new(g, cands, 3, 3, 2, &scorer), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("collapse_repeats");
  touchpoint_candidate unknown = {"fax", 3, 0.0};
  CHECK_CODE(touchpoint_scorer_new(g, &unknown, 1, 3, 0, &scorer), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("fax");
  touchpoint_candidate negative = {"app", 3, -1.0};
  CHECK_CODE(touchpoint_scorer_new(g, &negative, 1, 3, 0, &scorer), TOUCHPOINT_RESULT_INVALID_VALUE);
  CHECK_CODE(touchpoint_scorer_new(g, NULL, 2, 3, 0, &scorer), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scorer_new(NULL, cands, 3, 3, 0, &scorer), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK(scorer == NULL);
  CHECK_OK(touchpoint_scorer_new(g, cands, 3, 3, 0, &scorer));

  touchpoint_event_table *open = NULL;
  CHECK_OK(touchpoint_event_table_new(&open));
  static const row rows[] = {
      {"u", "search", 1, 0}, {"u", "email", 2, 0},                    /* a seen state */
      {"v", "email", 1, 0},  {"v", "search", 2, 0},                   /* email > search unseen: search */
      {"w", "fax", 1, 0},                                             /* unknown: from the start */
      {"x", "search", 1, 0}, {"x", NULL, 2, 5},                       /* converted: nothing open */
      {"y", "app", 1, 0},    {"y", NULL, 2, 5}, {"y", "email", 3, 0}, /* open after it: email */
  };
  push(open, rows, N(rows));
  touchpoint_scores *s = NULL;
  CHECK_OK(touchpoint_scorer_score_events(scorer, open, &s));
  /* the scores own their text: the scorer, the graph and the events may go first */
  touchpoint_scorer_free(scorer);
  char *nodes, *next_best;
  TEXT_OF(nodes, touchpoint_journey_graph_nodes_json, g);
  TEXT_OF(next_best, touchpoint_journey_graph_next_best_json, g, S("search"), cands, 3);
  double p_start = 0;
  CHECK_OK(touchpoint_journey_graph_conversion_probability(g, &p_start));
  CHECK_NEAR(p_start, 0.5, 1e-12);
  touchpoint_journey_graph_free(g);
  touchpoint_event_table_free(open);

  size_t n = 0, k = 0;
  CHECK_OK(touchpoint_scores_len(s, &n));
  CHECK(n == 5);
  touchpoint_score_row r;
  /* u: search > email, exact; after email only email > app was seen (P = 0, cost 2) */
  CHECK_OK(touchpoint_scores_row(s, 0, &r));
  CHECK(strcmp(r.customer_id, "u") == 0 && strcmp(r.state, "search > email") == 0);
  CHECK(r.state_match == TOUCHPOINT_STATE_MATCH_EXACT && r.touches == 2 && r.matched_touches == 2);
  CHECK_NEAR(r.conversion_probability, 1.0, 1e-12);
  CHECK_NEAR(r.expected_value, 50.0, 1e-9);
  /* the expected time: the 1 ms from ann's email to her conversion */
  CHECK(r.has_expected_time == 1);
  CHECK_NEAR(r.expected_time_to_convert_ms, 1.0, 1e-9);
  CHECK_NEAR(r.expected_time_to_convert_ms,
             number_after(nodes, "\"label\": \"search > email\",", "expected_time_to_convert"), 1e-12);
  CHECK(r.best_next != NULL && strcmp(r.best_next, "app") == 0);
  CHECK_NEAR(r.best_next_probability, 0.0, 1e-12);
  CHECK_NEAR(r.best_uplift, -1.0, 1e-12);
  CHECK_NEAR(r.best_net_value, -2.0, 1e-12);
  /* v: email > search was never seen; its suffix search was */
  CHECK_OK(touchpoint_scores_row(s, 1, &r));
  CHECK(strcmp(r.customer_id, "v") == 0 && strcmp(r.state, "search") == 0);
  CHECK(r.state_match == TOUCHPOINT_STATE_MATCH_SUFFIX && r.matched_touches == 1 && r.unknown_touches == 0);
  CHECK_NEAR(r.conversion_probability, 2.0 / 3.0, 1e-12);
  CHECK_NEAR(r.conversion_probability, number_after(nodes, "\"label\": \"search\",", "conversion_probability"),
             1e-15);
  CHECK_NEAR(r.expected_value, 10.0, 1e-9);
  /* best after search: email (search > email: P 1, value 50 - cost 1), as next_best ranks it */
  char want[64];
  first_observed(next_best, want, sizeof want);
  CHECK(r.best_next != NULL && strcmp(r.best_next, want) == 0 && strcmp(want, "email") == 0);
  CHECK_NEAR(r.best_next_probability, 1.0, 1e-12);
  CHECK_NEAR(r.best_uplift, 1.0 / 3.0, 1e-12);
  CHECK_NEAR(r.best_net_value, 49.0, 1e-9);
  CHECK_NEAR(number_after(next_best, "\"current_state\"", "current_probability"), r.conversion_probability, 1e-15);
  /* w: only an unknown touch: the start; best first touch search (P 2/3, value 10, cost 0) */
  CHECK_OK(touchpoint_scores_row(s, 2, &r));
  CHECK(strcmp(r.customer_id, "w") == 0 && strcmp(r.state, "(start)") == 0);
  CHECK(r.state_match == TOUCHPOINT_STATE_MATCH_START && r.touches == 1 && r.unknown_touches == 1);
  CHECK_NEAR(r.conversion_probability, p_start, 1e-15);
  CHECK(strcmp(r.best_next, "search") == 0);
  CHECK_NEAR(r.best_next_probability, 2.0 / 3.0, 1e-12);
  CHECK_NEAR(r.best_uplift, 2.0 / 3.0 - 0.5, 1e-12);
  CHECK_NEAR(r.best_net_value, 10.0, 1e-9);
  /* x: converted, nothing open: its (empty) state is the start, exactly */
  CHECK_OK(touchpoint_scores_row(s, 3, &r));
  CHECK(strcmp(r.customer_id, "x") == 0 && strcmp(r.state, "(start)") == 0);
  CHECK(r.state_match == TOUCHPOINT_STATE_MATCH_EXACT && r.touches == 0 && r.matched_touches == 0);
  /* y: email after a conversion; nobody converts from email: no expected time */
  CHECK_OK(touchpoint_scores_row(s, 4, &r));
  CHECK(strcmp(r.customer_id, "y") == 0 && strcmp(r.state, "email") == 0 && r.touches == 1);
  CHECK_NEAR(r.conversion_probability, 0.0, 1e-15);
  CHECK(r.has_expected_time == 0 && isnan(r.expected_time_to_convert_ms));
  CHECK(strcmp(r.best_next, "app") == 0);
  CHECK_CODE(touchpoint_scores_row(s, 5, &r), TOUCHPOINT_RESULT_OUT_OF_RANGE);
  EXPECT_MESSAGE("5 >= 5");

  /* next rows of w: search (3 of the 8 journeys start with it alone), then email (1 of 8);
   * app alone was never a state */
  CHECK_OK(touchpoint_scores_next_len(s, &k));
  touchpoint_score_next_row x;
  size_t w_rows = 0;
  for (size_t i = 0; i < k; i++) {
    CHECK_OK(touchpoint_scores_next_row(s, i, &x));
    if (strcmp(x.customer_id, "w") != 0) continue;
    w_rows++;
    if (x.rank == 1) {
      CHECK(strcmp(x.touchpoint, "search") == 0 && strcmp(x.next_state, "search") == 0);
      CHECK_NEAR(x.observed_share, 3.0 / 8.0, 1e-12);
      CHECK_NEAR(x.conversion_probability, 2.0 / 3.0, 1e-12);
      CHECK_NEAR(x.expected_value, 10.0, 1e-9);
      CHECK_NEAR(x.cost, 0.0, 0);
      CHECK_NEAR(x.net_value, 10.0, 1e-9);
    } else {
      CHECK(x.rank == 2 && strcmp(x.touchpoint, "email") == 0 && strcmp(x.next_state, "email") == 0);
      CHECK_NEAR(x.observed_share, 1.0 / 8.0, 1e-12);
      CHECK_NEAR(x.uplift, -0.5, 1e-12);
      CHECK_NEAR(x.net_value, -1.0, 1e-12);
    }
  }
  CHECK(w_rows == 2);
  CHECK_CODE(touchpoint_scores_next_row(s, k, &x), TOUCHPOINT_RESULT_OUT_OF_RANGE);

  /* JSON: the core's rows and names */
  char *json;
  TEXT_OF(json, touchpoint_scores_to_json, s);
  CHECK(strstr(json, "\"rows\": [") != NULL && strstr(json, "\"next\": [") != NULL);
  CHECK(strstr(json, "\"state_match\": \"suffix\"") != NULL && strstr(json, "\"state_match\": \"start\"") != NULL);
  CHECK(strstr(json, "\"best_next\": \"email\"") != NULL);
  CHECK(strstr(json, "\"expected_time_to_convert\": null") != NULL);

  /* NULL arguments */
  CHECK_CODE(touchpoint_scores_len(NULL, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scores_row(s, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scores_next_row(NULL, 0, &x), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scores_to_json(NULL, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scorer_score_events(NULL, NULL, &s), TOUCHPOINT_RESULT_NULL_PARAMETER);
  free(json);
  free(nodes);
  free(next_best);
  touchpoint_scores_free(s);
}

/* The open customers of journeys: the day-2 journeys of bob, cem, dan and eve (ann and fay
 * converted last), every touchpoint a candidate at its catalog cost (none: 0). */
static void scoring_journeys(const touchpoint_journeys *all) {
  touchpoint_journey_graph *g = NULL;
  CHECK_OK(touchpoint_journey_graph_from_journeys(all, 2, &g));
  touchpoint_scorer *scorer = NULL;
  CHECK_OK(touchpoint_scorer_new(g, NULL, 0, 0, 0, &scorer));
  touchpoint_journey_graph_free(g); /* the scorer owns what it needs */
  touchpoint_scores *s = NULL;
  CHECK_OK(touchpoint_scorer_score_journeys(scorer, all, &s));
  size_t n = 0, k = 1;
  CHECK_OK(touchpoint_scores_len(s, &n));
  CHECK_OK(touchpoint_scores_next_len(s, &k));
  CHECK(n == 4 && k == 0); /* top_k 0: states only */
  const char *who[4] = {"bob", "cem", "dan", "eve"}, *state[4] = {"app > search", "search", "email", "app > email"};
  const double p[4] = {0.0, 2.0 / 3.0, 0.0, 0.5};
  for (size_t i = 0; i < 4; i++) {
    touchpoint_score_row r;
    CHECK_OK(touchpoint_scores_row(s, i, &r));
    CHECK(strcmp(r.customer_id, who[i]) == 0 && strcmp(r.state, state[i]) == 0);
    CHECK(r.state_match == TOUCHPOINT_STATE_MATCH_EXACT);
    CHECK_NEAR(r.conversion_probability, p[i], 1e-12);
    CHECK(r.best_next != NULL); /* the best is kept even when top_k is 0 */
  }
  CHECK_CODE(touchpoint_scorer_score_journeys(scorer, NULL, &s), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_scorer_score_journeys(scorer, all, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_scores_free(s);
  touchpoint_scorer_free(scorer);
}

static void null_arguments(void) {
  touchpoint_journey_graph *g = NULL;
  size_t n = 0;
  CHECK_CODE(touchpoint_journey_graph_save(NULL, S("x.tpm")), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`graph`");
  CHECK_CODE(touchpoint_journey_graph_load(NULL, 0, &g), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journey_graph_to_bytes(NULL, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journey_graph_from_bytes(NULL, 0, &g), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_journeys_save(NULL, S("x.tpm")), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_comparison_save(NULL, S("x.tpm")), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_comparison_to_bytes(NULL, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_model_info_json(NULL, 0, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_model_file_info_json(NULL, 0, NULL, 0, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  const unsigned char junk[] = "hello, world, this is not a model at all";
  CHECK_CODE(touchpoint_model_info_json(junk, sizeof junk, NULL, 0, &n), TOUCHPOINT_RESULT_MODEL_FILE);
  EXPECT_MESSAGE("not a touchpoint model file");
  CHECK(g == NULL);
  touchpoint_scorer_free(NULL);
  touchpoint_scores_free(NULL);
}

int main(int argc, char **argv) {
  snprintf(dir_path, sizeof dir_path, "%s", argc > 1 ? argv[1] : ".");
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  push(ev, day1, N(day1));
  push(ev, day2, N(day2));
  touchpoint_journeys *all = NULL;
  CHECK_OK(touchpoint_journeys_build(ev, NULL, &all));
  saved_graphs(all);
  saved_comparison(all);
  increment(all);
  scoring(all);
  scoring_journeys(all);
  null_arguments();
  touchpoint_journeys_free(all);
  touchpoint_event_table_free(ev);
  if (failures) {
    fprintf(stderr, "crm: %d failures\n", failures);
    return 1;
  }
  printf("crm: saved models, damaged files, increments and scoring passed\n");
  return 0;
}
