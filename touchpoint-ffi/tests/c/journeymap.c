/* ORACLES E9 (funnels) and E10 (retention, repurchase) through the C API, read with the row
 * getters; the stage funnel after a JSON catalog, a segment funnel, the step matrix and its
 * segment difference, and misuse (unknown steps, windows, periods, enum codes, NULL pointers). */
#include "check.h"

#define DAY 86400000LL

typedef struct {
  const char *customer;
  const char *touchpoint; /* NULL: a pure conversion */
  long long day;
  bool converted;
} event;

static touchpoint_event_table *table(const event *rows, size_t n) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  for (size_t i = 0; i < n; i++) {
    const char *tp = rows[i].touchpoint;
    CHECK_OK(touchpoint_event_table_push(ev, rows[i].customer, strlen(rows[i].customer), tp, tp ? strlen(tp) : 0,
                                         rows[i].day * DAY, rows[i].converted, rows[i].converted ? 1.0 : 0.0, NAN));
  }
  return ev;
}

static const event E9[] = {
    {"u1", "A", 0, false}, {"u1", "B", 1, false},  {"u1", "C", 2, false},  {"u2", "A", 0, false},
    {"u2", "C", 1, false}, {"u2", "B", 2, false},  {"u3", "B", 0, false},  {"u3", "A", 1, false},
    {"u3", "B", 5, false}, {"u3", "C", 20, false}, {"u4", "A", 0, false},  {"u4", "A", 15, false},
    {"u4", "B", 16, false}, {"u4", "C", 17, false}, {"u5", "C", 0, false}, {"u6", "A", 0, false},
    {"u6", "B", 3, false}, {"u6", "X", 4, false},  {"u6", "C", 5, false},
};
#define N_E9 (sizeof E9 / sizeof E9[0])

static const char *const ABC[] = {"A", "B", "C"};

static touchpoint_funnel_options abc(uint32_t mode) {
  touchpoint_funnel_options o = touchpoint_funnel_options_default();
  o.steps = ABC;
  o.n_steps = 3;
  o.mode = mode;
  o.window_ms = 10 * DAY;
  return o;
}

static touchpoint_funnel_step row(const touchpoint_funnel *f, size_t i) {
  touchpoint_funnel_step s;
  CHECK_OK(touchpoint_funnel_row(f, i, &s));
  return s;
}

static touchpoint_funnel_totals totals(const touchpoint_funnel *f, size_t i) {
  touchpoint_funnel_totals t;
  CHECK_OK(touchpoint_funnel_summary(f, i, &t));
  return t;
}

/* The units reached at the three steps must be a / b / c. */
static void check_units(const touchpoint_funnel *f, size_t a, size_t b, size_t c, int line) {
  size_t n = 0;
  CHECK_OK(touchpoint_funnel_rows(f, &n));
  size_t got[3] = {0, 0, 0};
  for (size_t i = 0; i < n && i < 3; i++) got[i] = row(f, i).units;
  if (n != 3 || got[0] != a || got[1] != b || got[2] != c) {
    fprintf(stderr, "line %d: %zu rows, units %zu / %zu / %zu, expected %zu / %zu / %zu\n", line, n, got[0], got[1],
            got[2], a, b, c);
    failures++;
  }
}
#define CHECK_UNITS(f, a, b, c) check_units((f), (a), (b), (c), __LINE__)

/* A library-owned JSON string of a funnel (freed by the caller with touchpoint_string_free). */
static char *funnel_json(const touchpoint_funnel *f) {
  char *s = NULL;
  CHECK_OK(touchpoint_funnel_to_json_string(f, &s));
  return s;
}

static void e9(void) {
  touchpoint_event_table *ev = table(E9, N_E9);
  touchpoint_funnel *f = NULL;

  /* ordered: 5 / 5 / 3, overall 60 %, step rates 100 % and 60 %, drop-off 0 then 2 */
  touchpoint_funnel_options o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 5, 5, 3);
  touchpoint_funnel_step s0 = row(f, 0), s1 = row(f, 1), s2 = row(f, 2);
  CHECK(s0.step == 1 && s2.step == 3);
  CHECK(strcmp(s0.name, "A") == 0 && s0.name_len == 1 && strcmp(s2.name, "C") == 0);
  CHECK(s0.segment == NULL && s0.segment_len == 0);
  CHECK_NEAR(s2.overall_rate, 0.6, 1e-12);
  /* Wilson 95 % interval of 3 of 5 */
  CHECK_NEAR(s2.overall_rate_lower, 0.230724, 1e-6);
  CHECK_NEAR(s2.overall_rate_upper, 0.882379, 1e-6);
  CHECK(s0.overall_rate_lower < 1.0 && s0.overall_rate_upper == 1.0);
  CHECK(isnan(s0.step_rate_lower) && isnan(s0.step_rate_upper));
  CHECK_NEAR(s2.step_rate_lower, 0.230724, 1e-6);
  CHECK(isnan(s0.step_rate));
  CHECK_NEAR(s1.step_rate, 1.0, 1e-12);
  CHECK_NEAR(s2.step_rate, 0.6, 1e-12);
  CHECK(s0.drop_off == -1 && s1.drop_off == 0 && s2.drop_off == 2);
  CHECK_NEAR(s0.reach, 5.0 / 6.0, 1e-12);
  CHECK_NEAR(s1.reach, 5.0 / 6.0, 1e-12);
  CHECK_NEAR(s2.reach, 0.5, 1e-12);
  /* A to C among completers: u1 2 d, u4 2 d, u6 5 d */
  CHECK(s2.time_from_first_median_ms == 2 * DAY);
  CHECK(s2.time_from_first_mean_ms == 3 * DAY);
  CHECK(s0.time_from_first_median_ms == -1 && s0.time_from_previous_mean_ms == -1);
  size_t n = 0;
  CHECK_OK(touchpoint_funnel_summaries(f, &n));
  CHECK(n == 1);
  touchpoint_funnel_totals t = totals(f, 0);
  CHECK(t.units == 6 && t.entered == 5 && t.not_entered == 1 && t.excluded == 0 && t.completed == 3);
  CHECK_NEAR(t.conversion_rate, 0.6, 1e-12);
  touchpoint_funnel_step past;
  CHECK_CODE(touchpoint_funnel_row(f, 3, &past), TOUCHPOINT_RESULT_OUT_OF_RANGE);
  EXPECT_MESSAGE("row index 3");
  /* JSON: durations in milliseconds, missing values null */
  char *json = funnel_json(f);
  CHECK(strstr(json, "\"time_from_first_median\": 172800000") != NULL);
  CHECK(strstr(json, "\"time_from_first_mean\": 259200000") != NULL);
  CHECK(strstr(json, "\"step_rate\": null") != NULL);
  CHECK(strstr(json, "\"window_ms\": 864000000") != NULL);
  CHECK(strstr(json, "\"mode\": \"ordered\"") != NULL);
  touchpoint_string_free(json);
  char small[16];
  CHECK_CODE(touchpoint_funnel_to_json(f, small, sizeof small, &n), TOUCHPOINT_RESULT_BUFFER_TOO_SMALL);
  CHECK(n > sizeof small);
  char text[4096];
  CHECK_OK(touchpoint_funnel_to_text(f, text, sizeof text, &n));
  CHECK(strstr(text, "ordered funnel of customers") != NULL && strstr(text, "3. C") != NULL);
  touchpoint_funnel_free(f);

  /* strict: 5 / 4 / 2, 40 %, 80 % and 50 % */
  o = abc(TOUCHPOINT_FUNNEL_MODE_STRICT);
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 5, 4, 2);
  CHECK_NEAR(totals(f, 0).conversion_rate, 0.4, 1e-12);
  CHECK_NEAR(row(f, 1).step_rate, 0.8, 1e-12);
  CHECK_NEAR(row(f, 2).step_rate, 0.5, 1e-12);
  touchpoint_funnel_free(f);

  /* any order after the anchor: 5 / 5 / 4, 80 %, 100 % and 80 % */
  o = abc(TOUCHPOINT_FUNNEL_MODE_ANY_ORDER);
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 5, 5, 4);
  CHECK_NEAR(totals(f, 0).conversion_rate, 0.8, 1e-12);
  CHECK_NEAR(row(f, 1).step_rate, 1.0, 1e-12);
  CHECK_NEAR(row(f, 2).step_rate, 0.8, 1e-12);
  touchpoint_funnel_free(f);

  /* ordered, excluding X between B and C: 4 / 4 / 2, 50 %, 100 % and 50 % */
  touchpoint_funnel_exclusion x = {S("X"), 2, 3};
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  o.exclusions = &x;
  o.n_exclusions = 1;
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 4, 4, 2);
  t = totals(f, 0);
  CHECK_NEAR(t.conversion_rate, 0.5, 1e-12);
  CHECK(t.excluded == 1 && t.not_entered == 1);
  CHECK_NEAR(row(f, 1).step_rate, 1.0, 1e-12);
  CHECK_NEAR(row(f, 2).step_rate, 0.5, 1e-12);
  touchpoint_funnel_free(f);

  /* journeys instead of customers: without conversions each customer is one journey */
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  o.unit = TOUCHPOINT_FUNNEL_UNIT_JOURNEY;
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 5, 5, 3);
  touchpoint_funnel_free(f);
  touchpoint_event_table_free(ev);
}

static void segments_and_stages(void) {
  touchpoint_event_table *ev = table(E9, N_E9);
  touchpoint_funnel *f = NULL;

  /* one label per event row: u1..u3 north, u4 and u6 south, u5 missing (NULL) */
  const char *labels[N_E9];
  for (size_t i = 0; i < N_E9; i++) {
    const char *c = E9[i].customer;
    labels[i] = strcmp(c, "u5") == 0 ? NULL : strcmp(c, "u4") < 0 ? "north" : "south";
  }
  touchpoint_funnel_options o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  CHECK_OK(touchpoint_funnel_build(ev, &o, labels, N_E9, &f));
  size_t n = 0;
  CHECK_OK(touchpoint_funnel_rows(f, &n));
  CHECK(n == 9);
  const size_t want[9] = {3, 3, 1, 2, 2, 2, 0, 0, 0};
  const char *seg[3] = {"north", "south", "(missing)"};
  for (size_t i = 0; i < n && i < 9; i++) {
    touchpoint_funnel_step s = row(f, i);
    CHECK(s.units == want[i]);
    CHECK(s.segment != NULL && strcmp(s.segment, seg[i / 3]) == 0 && s.segment_len == strlen(seg[i / 3]));
  }
  CHECK_OK(touchpoint_funnel_summaries(f, &n));
  CHECK(n == 3);
  CHECK(totals(f, 0).completed == 1 && totals(f, 1).completed == 2 && totals(f, 2).units == 1);
  CHECK(isnan(totals(f, 2).conversion_rate));
  /* north (3 / 3 / 1) against south (2 / 2 / 2): step 3 differs by 1 − 1/3 */
  char cmp[4096];
  CHECK_OK(touchpoint_funnel_compare_json(f, S("north"), S("south"), cmp, sizeof cmp, &n));
  CHECK(strstr(cmp, "\"difference\": 0.6666666666666") != NULL);
  CHECK(strstr(cmp, "\"units_a\": 1") != NULL && strstr(cmp, "\"p_value\": 0.") != NULL);
  CHECK(strstr(cmp, "two-proportion z-test") != NULL);
  CHECK_CODE(touchpoint_funnel_compare_json(f, S("north"), S("west"), cmp, sizeof cmp, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("north, south");
  CHECK_CODE(touchpoint_funnel_compare_json(NULL, S("north"), S("south"), cmp, sizeof cmp, &n),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_funnel_free(f);
  f = NULL;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, labels, N_E9 - 1, &f), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("`segment` has 18 rows but `events` has 19");
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 4, &f), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`segment_values`");
  CHECK(f == NULL);

  /* the stage funnel needs stages: attach a JSON catalog */
  touchpoint_funnel_options d = touchpoint_funnel_options_default();
  CHECK_CODE(touchpoint_funnel_build(ev, &d, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("no steps given and the catalog has no stages");
  const char catalog[] = "[{\"name\": \"A\", \"stage\": \"awareness\"},"
                         " {\"name\": \"B\", \"stage\": \"first_interaction\"},"
                         " {\"name\": \"C\", \"stage\": \"purchase\", \"cost\": 2.5}]";
  CHECK_CODE(touchpoint_event_table_apply_catalog_json(ev, S("[{\"name\": \"A\", \"stage\": \"nope\"}]")),
             TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("nope");
  CHECK_CODE(touchpoint_event_table_apply_catalog_json(ev, S("{")), TOUCHPOINT_RESULT_INVALID_VALUE);
  CHECK_CODE(touchpoint_event_table_apply_catalog_json(NULL, S(catalog)), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_OK(touchpoint_event_table_apply_catalog_json(ev, S(catalog)));
  /* rows pushed afterwards are covered: u6 buys on day 6 */
  CHECK_OK(touchpoint_event_table_push(ev, S("u6"), NULL, 0, 6 * DAY, true, 10.0, NAN));
  CHECK_OK(touchpoint_funnel_build(ev, NULL, NULL, 0, &f));
  CHECK_OK(touchpoint_funnel_rows(f, &n));
  CHECK(n == 4);
  const char *names[4] = {"stage:awareness", "stage:first_interaction", "stage:purchase", "conversion"};
  const size_t reached[4] = {5, 5, 4, 1};
  for (size_t i = 0; i < n && i < 4; i++) {
    touchpoint_funnel_step s = row(f, i);
    CHECK(strcmp(s.name, names[i]) == 0 && s.units == reached[i]);
  }
  char *json = funnel_json(f);
  CHECK(strstr(json, "\"stages_without_touchpoints\": [\n    \"after_sales\"\n  ]") != NULL);
  touchpoint_string_free(json);
  touchpoint_funnel_free(f);

  /* a stage as a step */
  const char *purchase[] = {"stage:purchase", "conversion"};
  o = touchpoint_funnel_options_default();
  o.steps = purchase;
  o.n_steps = 2;
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK(row(f, 0).units == 6 && row(f, 1).units == 1);
  touchpoint_funnel_free(f);
  touchpoint_event_table_free(ev);
}

static void step_matrix(void) {
  touchpoint_event_table *ev = table(E9, N_E9);
  touchpoint_step_matrix *m = NULL;
  touchpoint_step_matrix_options o = touchpoint_step_matrix_options_default();
  CHECK(o.steps == 10 && o.unit == TOUCHPOINT_FUNNEL_UNIT_JOURNEY && o.centre == NULL);
  o.steps = 2;
  o.unit = TOUCHPOINT_FUNNEL_UNIT_CUSTOMER;
  CHECK_OK(touchpoint_step_matrix_build(ev, &o, NULL, 0, &m));
  size_t n = 0;
  CHECK_OK(touchpoint_step_matrix_rows(m, &n));
  double sum[2] = {0, 0};
  double first_a = -1, second_ended = -1;
  for (size_t i = 0; i < n; i++) {
    touchpoint_step_matrix_cell c;
    CHECK_OK(touchpoint_step_matrix_row(m, i, &c));
    CHECK(c.segment == NULL && c.step >= 1 && c.step <= 2 && c.state_len == strlen(c.state));
    sum[c.step - 1] += c.share;
    if (c.step == 1 && strcmp(c.state, "A") == 0) first_a = c.share;
    if (c.step == 2 && strcmp(c.state, "(ended)") == 0) second_ended = c.share;
  }
  CHECK_NEAR(sum[0], 1.0, 1e-12);
  CHECK_NEAR(sum[1], 1.0, 1e-12);
  CHECK_NEAR(first_a, 4.0 / 6.0, 1e-12);
  CHECK_NEAR(second_ended, 1.0 / 6.0, 1e-12);
  char buf[65536];
  CHECK_CODE(touchpoint_step_matrix_difference_json(m, S("north"), S("south"), buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("no segments");
  touchpoint_step_matrix_free(m);
  m = NULL;

  /* centred on B, per segment, and the difference of the segments */
  const char *labels[N_E9];
  for (size_t i = 0; i < N_E9; i++) labels[i] = strcmp(E9[i].customer, "u4") < 0 ? "north" : "south";
  o.centre = "B";
  o.centre_len = 1;
  CHECK_OK(touchpoint_step_matrix_build(ev, &o, labels, N_E9, &m));
  CHECK_OK(touchpoint_step_matrix_difference_json(m, S("north"), S("south"), buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"share_a\"") != NULL && strstr(buf, "\"difference\"") != NULL);
  CHECK_CODE(touchpoint_step_matrix_difference_json(m, S("north"), S("west"), buf, sizeof buf, &n),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("west");
  char *json = NULL;
  CHECK_OK(touchpoint_step_matrix_to_json_string(m, &json));
  CHECK(strstr(json, "\"units_without_centre\": 1") != NULL); /* u5 has no B */
  touchpoint_string_free(json);
  touchpoint_step_matrix_free(m);
  m = NULL;

  o.steps = 0;
  CHECK_CODE(touchpoint_step_matrix_build(ev, &o, NULL, 0, &m), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("steps");
  o.steps = 2;
  o.unit = 7;
  CHECK_CODE(touchpoint_step_matrix_build(ev, &o, NULL, 0, &m), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.unit");
  CHECK(m == NULL);
  touchpoint_event_table_free(ev);
}

/* ORACLES E10: start day and return days of five customers; observation ends on day 3. */
static touchpoint_event_table *e10(bool purchases) {
  static const struct {
    const char *c;
    long long start;
    long long returns[2];
    size_t n;
  } customers[] = {{"c1", 0, {1, 3}, 2}, {"c2", 0, {2, 0}, 1}, {"c3", 1, {2, 3}, 2}, {"c4", 1, {0, 0}, 0},
                   {"c5", 2, {3, 0}, 1}};
  event rows[32];
  size_t n = 0;
  for (size_t i = 0; i < 5; i++) {
    if (purchases) {
      rows[n++] = (event){customers[i].c, "browse", customers[i].start, false};
      rows[n++] = (event){customers[i].c, NULL, customers[i].start, true};
    } else {
      rows[n++] = (event){customers[i].c, "app", customers[i].start, false};
    }
    for (size_t k = 0; k < customers[i].n; k++) {
      rows[n++] = (event){customers[i].c, purchases ? NULL : "web", customers[i].returns[k], purchases};
    }
  }
  return table(rows, n);
}

/* The rate of the cohort starting on `day` in period `k`: NaN when unobserved, -1 when absent. */
static double cohort_rate(const touchpoint_retention *r, long long day, size_t k) {
  size_t n = 0;
  CHECK_OK(touchpoint_retention_rows(r, &n));
  for (size_t i = 0; i < n; i++) {
    touchpoint_retention_cell c;
    CHECK_OK(touchpoint_retention_row(r, i, &c));
    if (c.cohort_ms == day * DAY && c.period == k) return c.rate;
  }
  return -1;
}

static touchpoint_retention_average mean_row(const touchpoint_retention *r, size_t i) {
  touchpoint_retention_average m;
  CHECK_OK(touchpoint_retention_mean(r, i, &m));
  return m;
}

static void retention(void) {
  touchpoint_event_table *ev = e10(false);
  touchpoint_retention *r = NULL;
  for (uint32_t align = TOUCHPOINT_RETENTION_ALIGNMENT_ROLLING; align <= TOUCHPOINT_RETENTION_ALIGNMENT_CALENDAR;
       align++) {
    touchpoint_retention_options o = touchpoint_retention_options_default();
    o.alignment = align;
    CHECK_OK(touchpoint_retention_build(ev, &o, NULL, 0, &r));
    /* "on": day 0 (2): 1, .5, .5, .5; day 1 (2): 1, .5, .5, unobserved; day 2 (1): 1, 1 */
    const double want[3][4] = {{1, 0.5, 0.5, 0.5}, {1, 0.5, 0.5, NAN}, {1, 1, NAN, NAN}};
    for (int day = 0; day < 3; day++) {
      for (size_t k = 0; k < 4; k++) {
        double got = cohort_rate(r, day, k);
        if (isnan(want[day][k])) {
          CHECK(isnan(got));
        } else {
          CHECK_NEAR(got, want[day][k], 1e-12);
        }
      }
    }
    size_t n = 0;
    CHECK_OK(touchpoint_retention_means(r, &n));
    CHECK(n == 4);
    const double weighted[4] = {1, 0.6, 0.5, 0.5}, simple[4] = {1, 2.0 / 3.0, 0.5, 0.5};
    for (size_t k = 0; k < n && k < 4; k++) {
      touchpoint_retention_average m = mean_row(r, k);
      CHECK(m.period == k && m.segment == NULL);
      CHECK_NEAR(m.weighted_mean, weighted[k], 1e-12);
      CHECK_NEAR(m.simple_mean, simple[k], 1e-6);
    }
    CHECK(mean_row(r, 1).retained == 3 && mean_row(r, 1).observed == 5 && mean_row(r, 3).observed == 2);
    /* unobserved cells are null in JSON, never 0 */
    char *json = NULL;
    CHECK_OK(touchpoint_retention_to_json_string(r, &json));
    CHECK(strstr(json, "\"rate\": null") != NULL);
    CHECK(strstr(json, "\"observation_end\": 259200000") != NULL);
    touchpoint_string_free(json);
    char text[8192];
    CHECK_OK(touchpoint_retention_to_text(r, text, sizeof text, &n));
    CHECK(strstr(text, "weighted mean") != NULL);
    touchpoint_retention_free(r);
    r = NULL;

    /* "on or after": day 0: 1, 1, .5; day 1: .5, .5; day 2: 1 */
    o.mode = TOUCHPOINT_RETENTION_MODE_ON_OR_AFTER;
    CHECK_OK(touchpoint_retention_build(ev, &o, NULL, 0, &r));
    CHECK_NEAR(cohort_rate(r, 0, 1), 1.0, 1e-12);
    CHECK_NEAR(cohort_rate(r, 0, 2), 1.0, 1e-12);
    CHECK_NEAR(cohort_rate(r, 0, 3), 0.5, 1e-12);
    CHECK_NEAR(cohort_rate(r, 1, 1), 0.5, 1e-12);
    CHECK_NEAR(cohort_rate(r, 1, 2), 0.5, 1e-12);
    CHECK(isnan(cohort_rate(r, 1, 3)));
    CHECK_NEAR(cohort_rate(r, 2, 1), 1.0, 1e-12);
    CHECK(isnan(cohort_rate(r, 2, 2)));
    touchpoint_retention_free(r);
    r = NULL;
  }

  /* misuse: a period that is not positive or not understood, enum codes, flags, unknown starts */
  touchpoint_retention_options o = touchpoint_retention_options_default();
  o.period = "0d";
  o.period_len = 2;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.period");
  EXPECT_MESSAGE("positive");
  o.period = "fortnight";
  o.period_len = 9;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("fortnight");
  o.period = "14d";
  o.period_len = 3;
  o.alignment = 2;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.alignment");
  o.alignment = TOUCHPOINT_RETENTION_ALIGNMENT_ROLLING;
  o.mode = 0xFFFFFFFFu;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.mode");
  o.mode = TOUCHPOINT_RETENTION_MODE_ON;
  o.has_observation_end = 2;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.has_observation_end");
  o.has_observation_end = 0;
  o.start = "nowhere";
  o.start_len = 7;
  CHECK_CODE(touchpoint_retention_build(ev, &o, NULL, 0, &r), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("nowhere");
  CHECK(r == NULL);
  /* a 14-day period from the app start: everyone is retained in period 0 only */
  o.start = "app";
  o.start_len = 3;
  CHECK_OK(touchpoint_retention_build(ev, &o, NULL, 0, &r));
  CHECK_NEAR(mean_row(r, 0).weighted_mean, 1.0, 1e-12);
  touchpoint_retention_free(r);
  r = NULL;
  touchpoint_repurchase *rep = NULL;
  CHECK_CODE(touchpoint_repurchase_build(ev, NULL, NULL, 0, &rep), TOUCHPOINT_RESULT_MODEL_NOT_APPLICABLE);
  EXPECT_MESSAGE("no conversions");
  CHECK(rep == NULL);
  touchpoint_event_table_free(ev);

  /* repurchase: the same five customers, every event a purchase */
  ev = e10(true);
  CHECK_OK(touchpoint_repurchase_build(ev, NULL, NULL, 0, &rep));
  touchpoint_repurchase_totals t;
  CHECK_OK(touchpoint_repurchase_summary(rep, &t));
  CHECK(t.buyers == 5 && t.repeat_buyers == 4 && t.purchases == 11);
  CHECK_NEAR(t.repeat_rate, 0.8, 1e-12);
  /* gaps: c1 1, 2; c2 2; c3 1, 1; c5 1 (days) */
  CHECK(t.time_between_purchases.n == 6);
  CHECK(t.time_between_purchases.median_ms == DAY);
  CHECK(t.time_between_purchases.mean_ms == (8 * DAY) / 6);
  CHECK_OK(touchpoint_repurchase_retention(rep, &r));
  const double weighted[4] = {1, 0.6, 0.5, 0.5};
  for (size_t k = 0; k < 4; k++) CHECK_NEAR(mean_row(r, k).weighted_mean, weighted[k], 1e-12);
  touchpoint_retention_free(r);
  size_t n = 0;
  char buf[16384];
  CHECK_OK(touchpoint_repurchase_to_json(rep, buf, sizeof buf, &n));
  CHECK(strstr(buf, "\"buyers\": 5") != NULL && strstr(buf, "\"median\": 86400000") != NULL);
  CHECK_OK(touchpoint_repurchase_to_text(rep, buf, sizeof buf, &n));
  CHECK(strstr(buf, "5 buyers, 4 bought again") != NULL);
  char *json = NULL;
  CHECK_OK(touchpoint_repurchase_to_json_string(rep, &json));
  touchpoint_string_free(json);
  touchpoint_repurchase_free(rep);
  touchpoint_event_table_free(ev);
}

static void misuse(void) {
  touchpoint_event_table *ev = table(E9, N_E9);
  touchpoint_funnel *f = NULL;

  /* an unknown step: the message names it */
  const char *q[] = {"A", "Q"};
  touchpoint_funnel_options o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  o.steps = q;
  o.n_steps = 2;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("unknown touchpoint \"Q\"");
  const char *empty[] = {"A", " "};
  o.steps = empty;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.steps[1]");
  const char *hole[] = {"A", NULL};
  o.steps = hole;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`options.steps[1]`");
  o.steps = NULL;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`options.steps`");

  /* windows: 0 is none (u3 then completes), negative is an error */
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  o.window_ms = 0;
  CHECK_OK(touchpoint_funnel_build(ev, &o, NULL, 0, &f));
  CHECK_UNITS(f, 5, 5, 4);
  char *json = funnel_json(f);
  CHECK(strstr(json, "\"window_ms\": null") != NULL);
  touchpoint_string_free(json);
  touchpoint_funnel_free(f);
  f = NULL;
  o.window_ms = -1;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("window");

  /* enum codes and flags out of range */
  o = abc(3);
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.mode");
  o = abc(TOUCHPOINT_FUNNEL_MODE_STRICT);
  o.unit = 2;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.unit");
  o.unit = TOUCHPOINT_FUNNEL_UNIT_CUSTOMER;
  o.journeys.split_at_conversions = 9;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("options.journeys.split_at_conversions");
  touchpoint_funnel_exclusion bad = {S("X"), 3, 2};
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  o.exclusions = &bad;
  o.n_exclusions = 1;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("after < before");
  o.exclusions = NULL;
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("options.exclusions");

  /* invalid UTF-8 in a segment label names its index */
  const char bad_utf8[] = {'n', (char)0xff, 0};
  const char *labels[N_E9];
  for (size_t i = 0; i < N_E9; i++) labels[i] = i == 4 ? bad_utf8 : "x";
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  CHECK_CODE(touchpoint_funnel_build(ev, &o, labels, N_E9, &f), TOUCHPOINT_RESULT_INVALID_UTF8);
  EXPECT_MESSAGE("`segment_values[4]`");

  /* NULL pointers */
  CHECK_CODE(touchpoint_funnel_build(NULL, &o, NULL, 0, &f), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`events`");
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  EXPECT_MESSAGE("`out`");
  CHECK(f == NULL);
  size_t n = 0;
  CHECK_CODE(touchpoint_funnel_rows(NULL, &n), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_funnel_summary(NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_retention_build(NULL, NULL, NULL, 0, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_step_matrix_difference_json(NULL, S("a"), S("b"), NULL, 0, &n),
             TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_repurchase_summary(NULL, NULL), TOUCHPOINT_RESULT_NULL_PARAMETER);
  CHECK_CODE(touchpoint_event_table_apply_catalog_json(ev, NULL, 2), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_funnel_free(NULL);
  touchpoint_step_matrix_free(NULL);
  touchpoint_retention_free(NULL);
  touchpoint_repurchase_free(NULL);
  touchpoint_event_table_free(ev);

  /* no events */
  CHECK_OK(touchpoint_event_table_new(&ev));
  o = abc(TOUCHPOINT_FUNNEL_MODE_ORDERED);
  CHECK_CODE(touchpoint_funnel_build(ev, &o, NULL, 0, &f), TOUCHPOINT_RESULT_EMPTY_INPUT);
  touchpoint_retention *r = NULL;
  CHECK_CODE(touchpoint_retention_build(ev, NULL, NULL, 0, &r), TOUCHPOINT_RESULT_EMPTY_INPUT);
  touchpoint_event_table_free(ev);
}

int main(void) {
  e9();
  segments_and_stages();
  step_matrix();
  retention();
  misuse();
  if (failures) {
    fprintf(stderr, "journeymap: %d failures\n", failures);
    return 1;
  }
  printf("journeymap: ORACLES E9 and E10, stage and segment funnels, step matrix and misuse passed\n");
  return 0;
}
