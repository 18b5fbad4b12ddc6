/* ORACLES E11 (NPS and CSAT with intervals), E12 (experience and conversion) and E13 (key
 * drivers) through the C API's JSON results; survey responses attached to touches; misuse
 * (a score outside the scale, an unknown option, a score on a conversion row, NULL pointers). */
#include "check.h"

/* The number after `"key":` that follows `anchor` in `json` (NaN when absent or null); the
 * library writes JSON with `": "` between keys and values. */
static double json_num(const char *json, const char *anchor, const char *key) {
  const char *at = anchor ? strstr(json, anchor) : json;
  if (!at) return NAN;
  char pat[128];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *k = strstr(at, pat);
  if (!k) return NAN;
  k += strlen(pat);
  while (*k == ' ') k++;
  if (strncmp(k, "null", 4) == 0) return NAN;
  return strtod(k, NULL);
}

static void push(touchpoint_event_table *ev, const char *c, const char *tp, long long t, bool conv, double fb) {
  CHECK_OK(touchpoint_event_table_push(ev, c, strlen(c), tp, tp ? strlen(tp) : 0, t, conv, conv ? 1.0 : 0.0, fb));
}

static void e11(void) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  const double store[] = {10, 9, 9, 8, 7, 6, 3, 10, 0, 9};
  const double email[] = {10, 10, 9, 8, 2};
  char name[16];
  int k = 0;
  for (int i = 0; i < 10; i++, k++) {
    snprintf(name, sizeof name, "c%d", k);
    push(ev, name, "store visit", 0, false, store[i]);
  }
  for (int i = 0; i < 5; i++, k++) {
    snprintf(name, sizeof name, "c%d", k);
    push(ev, name, "email", 0, false, email[i]);
  }
  char *json = NULL;
  CHECK_OK(touchpoint_experience_json(ev, NULL, NULL, 0, NULL, 0, &json));
  const char *s = "\"group\": \"store visit\"";
  CHECK_NEAR(json_num(json, s, "n"), 10, 0);
  CHECK_NEAR(json_num(json, s, "nps"), 20, 1e-12);
  CHECK_NEAR(json_num(json, s, "nps_variance"), 760, 1e-9);
  CHECK_NEAR(json_num(json, s, "nps_se"), 27.568098, 1e-6);
  CHECK_NEAR(json_num(json, s, "nps_lower"), -34.032478, 1e-6);
  CHECK_NEAR(json_num(json, s, "nps_upper"), 74.032478, 1e-6);
  const char *e = "\"group\": \"email\"";
  CHECK_NEAR(json_num(json, e, "nps"), 40, 1e-12);
  CHECK_NEAR(json_num(json, e, "nps_variance"), 1280, 1e-9);
  CHECK_NEAR(json_num(json, e, "nps_lower"), -30.121803, 1e-6);
  CHECK_NEAR(json_num(json, e, "nps_upper"), 100, 1e-12);
  touchpoint_string_free(json);

  CHECK_OK(touchpoint_experience_compare_json(ev, NULL, NULL, 0, NULL, 0, "touchpoint", 10, "store visit", 11,
                                              "email", 5, &json));
  CHECK_NEAR(json_num(json, NULL, "nps_difference"), -20, 1e-12);
  CHECK_NEAR(json_num(json, NULL, "nps_difference_se"), 45.166359, 1e-6);
  CHECK_NEAR(json_num(json, NULL, "nps_z"), -0.442807, 1e-6);
  touchpoint_string_free(json);
  /* a group without scores names the groups that have them */
  json = NULL;
  CHECK_CODE(touchpoint_experience_compare_json(ev, NULL, NULL, 0, NULL, 0, "touchpoint", 10, "store visit", 11,
                                                "app", 3, &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("email");
  CHECK(json == NULL);
  touchpoint_event_table_free(ev);

  /* CSAT: service centre 5 4 4 2 1 5 3 */
  CHECK_OK(touchpoint_event_table_new(&ev));
  const double csat[] = {5, 4, 4, 2, 1, 5, 3};
  for (int i = 0; i < 7; i++) {
    snprintf(name, sizeof name, "s%d", i);
    push(ev, name, "service centre", 0, false, csat[i]);
  }
  const char *opts = "{\"scale\": \"csat\"}";
  CHECK_OK(touchpoint_experience_json(ev, NULL, opts, strlen(opts), NULL, 0, &json));
  const char *sc = "\"group\": \"service centre\"";
  CHECK_NEAR(json_num(json, sc, "mean"), 3.428571, 1e-6);
  CHECK_NEAR(json_num(json, sc, "mean_se"), 0.571429, 1e-6);
  CHECK_NEAR(json_num(json, sc, "top_box"), 0.571429, 1e-6);
  CHECK_NEAR(json_num(json, sc, "top_box_lower"), 0.250458, 1e-6);
  CHECK_NEAR(json_num(json, sc, "top_box_upper"), 0.841780, 1e-6);
  touchpoint_string_free(json);
  /* a 7 is outside the CSAT scale: the row and the value are named */
  push(ev, "s9", "service centre", 0, false, 7);
  json = NULL;
  CHECK_CODE(touchpoint_experience_json(ev, NULL, opts, strlen(opts), NULL, 0, &json), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("row 7");
  EXPECT_MESSAGE("\"7\"");
  CHECK(json == NULL);
  /* an unknown option is named */
  const char *bad = "{\"scael\": \"csat\"}";
  CHECK_CODE(touchpoint_experience_json(ev, NULL, bad, strlen(bad), NULL, 0, &json), TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("scael");
  touchpoint_event_table_free(ev);
}

static void e12(void) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  struct { const char *c; double fb; bool conv; } j[] = {
      {"d1", 3, true}, {"d2", 5, false}, {"d3", 0, false}, {"d4", 6, false}, {"p1", 9, true},
      {"p2", 10, true}, {"p3", 7, true}, {"u1", NAN, true}, {"u2", NAN, false}, {"u3", 8, false},
  };
  for (size_t i = 0; i < sizeof j / sizeof j[0]; i++) {
    push(ev, j[i].c, "search", 0, false, NAN);
    push(ev, j[i].c, "store visit", 1000, false, j[i].fb);
    if (j[i].conv) push(ev, j[i].c, NULL, 2000, true, NAN);
  }
  char *json = NULL;
  CHECK_OK(touchpoint_experience_conversion_json(ev, NULL, NULL, 0, NULL, 0, &json));
  const char *any = "\"touchpoint\": null";
  CHECK_NEAR(json_num(json, any, "detractor_journeys"), 4, 0);
  CHECK_NEAR(json_num(json, any, "detractor_rate"), 0.25, 1e-12);
  CHECK_NEAR(json_num(json, any, "reference_rate"), 0.666667, 1e-6);
  CHECK_NEAR(json_num(json, any, "difference"), -0.416667, 1e-6);
  CHECK_NEAR(json_num(json, any, "difference_se"), 0.289676, 1e-6);
  CHECK_NEAR(json_num(json, any, "difference_lower"), -0.984421, 1e-6);
  CHECK_NEAR(json_num(json, any, "difference_upper"), 0.151087, 1e-6);
  CHECK_NEAR(json_num(json, any, "risk_ratio"), 0.375, 1e-12);
  CHECK_NEAR(json_num(json, any, "odds_ratio"), 0.166667, 1e-6);
  CHECK_NEAR(json_num(json, any, "odds_ratio_lower"), 0.009846, 1e-6);
  CHECK_NEAR(json_num(json, any, "odds_ratio_upper"), 2.821320, 1e-6);
  CHECK(strstr(json, "not causal") != NULL);
  touchpoint_string_free(json);
  /* a score on a pure conversion row is an error unless attached or ignored */
  push(ev, "u2", NULL, 3000, true, 9);
  json = NULL;
  CHECK_CODE(touchpoint_experience_conversion_json(ev, NULL, NULL, 0, NULL, 0, &json), TOUCHPOINT_RESULT_INVALID_VALUE);
  EXPECT_MESSAGE("conversion_feedback");
  const char *attach = "{\"conversion_feedback\": \"attach\"}";
  CHECK_OK(touchpoint_experience_json(ev, NULL, attach, strlen(attach), NULL, 0, &json));
  CHECK_NEAR(json_num(json, "\"report\"", "conversion_scores_attached"), 1, 0);
  touchpoint_string_free(json);
  touchpoint_event_table_free(ev);
}

static void e13(void) {
  const double x1[] = {5, 4, 3, 5, 2, 1, 4, 3}, x2[] = {3, 4, 2, 5, 3, 2, 5, 1}, x3[] = {1, 2, 2, 1, 3, 1, 2, 2},
               y[] = {9, 8, 5, 10, 6, 2, 9, 4};
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  char name[8];
  for (int i = 0; i < 8; i++) {
    snprintf(name, sizeof name, "k%d", i);
    push(ev, name, "store", 0, false, x1[i]);
    push(ev, name, "email", 1, false, x2[i]);
    push(ev, name, "app", 2, false, x3[i]);
    push(ev, name, "overall", 3, false, y[i]);
  }
  const char *opts = "{\"outcome\": \"overall\"}";
  char *json = NULL;
  CHECK_OK(touchpoint_key_drivers_json(ev, NULL, opts, strlen(opts), &json));
  CHECK_NEAR(json_num(json, NULL, "r_squared"), 0.975786, 1e-6);
  CHECK_NEAR(json_num(json, "\"driver\": \"store\"", "importance"), 0.536780, 1e-6);
  CHECK_NEAR(json_num(json, "\"driver\": \"email\"", "importance"), 0.422654, 1e-6);
  CHECK_NEAR(json_num(json, "\"driver\": \"app\"", "importance"), 0.016352, 1e-6);
  CHECK_NEAR(json_num(json, "\"driver\": \"store\"", "r_squared_alone"), 0.814257, 1e-6);
  touchpoint_string_free(json);
  CHECK_OK(touchpoint_consistency_json(ev, NULL, NULL, 0, &json));
  CHECK_NEAR(json_num(json, "\"summary\"", "journeys_multi"), 8, 0);
  touchpoint_string_free(json);
  /* an outcome that is not a touchpoint */
  const char *unknown = "{\"outcome\": \"nps survey\"}";
  json = NULL;
  CHECK_CODE(touchpoint_key_drivers_json(ev, NULL, unknown, strlen(unknown), &json),
             TOUCHPOINT_RESULT_INVALID_ARGUMENT);
  EXPECT_MESSAGE("nps survey");
  touchpoint_event_table_free(ev);
}

static void surveys(void) {
  touchpoint_event_table *ev = NULL;
  CHECK_OK(touchpoint_event_table_new(&ev));
  push(ev, "ann", "store visit", 0, false, NAN);
  push(ev, "ann", "email", 1000, false, NAN);
  push(ev, "bob", "email", 0, false, NAN);
  touchpoint_survey_table *sv = NULL;
  CHECK_OK(touchpoint_survey_table_new(&sv));
  CHECK_OK(touchpoint_survey_table_push(sv, "ann", 3, 5000, 9, NULL, 0));          /* to ann's email */
  CHECK_OK(touchpoint_survey_table_push(sv, "ann", 3, 6000, 2, "store visit", 11)); /* to ann's store visit */
  CHECK_OK(touchpoint_survey_table_push(sv, "zoe", 3, 0, 10, NULL, 0));            /* unknown customer */
  CHECK_CODE(touchpoint_survey_table_push(sv, "bob", 3, 0, NAN, NULL, 0), TOUCHPOINT_RESULT_INVALID_VALUE);
  size_t n = 0;
  CHECK_OK(touchpoint_survey_table_len(sv, &n));
  CHECK(n == 3);
  char *json = NULL;
  CHECK_OK(touchpoint_experience_json(ev, sv, NULL, 0, NULL, 0, &json));
  CHECK_NEAR(json_num(json, "\"group\": \"email\"", "promoters"), 1, 0);
  CHECK_NEAR(json_num(json, "\"group\": \"store visit\"", "detractors"), 1, 0);
  CHECK_NEAR(json_num(json, "\"report\"", "surveys_attached"), 2, 0);
  CHECK_NEAR(json_num(json, "\"report\"", "surveys_unknown_customer"), 1, 0);
  touchpoint_string_free(json);
  /* NULL events */
  CHECK_CODE(touchpoint_experience_json(NULL, sv, NULL, 0, NULL, 0, &json), TOUCHPOINT_RESULT_NULL_PARAMETER);
  touchpoint_survey_table_free(sv);
  touchpoint_survey_table_free(NULL);
  touchpoint_event_table_free(ev);
}

int main(void) {
  e11();
  e12();
  e13();
  surveys();
  if (failures) {
    fprintf(stderr, "experience: %d checks failed\n", failures);
    return 1;
  }
  printf("experience: ok\n");
  return 0;
}
